/* A test-only stand-in for Windows' bcryptprimitives.dll, which Debian's wine 8.0 lacks and Rust's
 * standard library imports (ProcessPrng, for HashMap seeds). scripts/cross-build.sh builds it with
 * mingw-w64 into a private wine prefix to run the Windows binary on examples/; it is never shipped.
 * ProcessPrng fills the buffer from advapi32's RtlGenRandom (SystemFunction036). */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length)
{
    while (length > 0) {
        ULONG chunk = length > 0x40000000 ? 0x40000000 : (ULONG)length;
        if (!SystemFunction036(data, chunk))
            return FALSE;
        data += chunk;
        length -= chunk;
    }
    return TRUE;
}
