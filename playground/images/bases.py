"""The file trees of the base images, generated in code: deterministic, compact, realistic.

catalog (which image has which layers) → here (what each layer holds) → layers.Layer.

Each tree follows the real image's layout and its `docker images` size: Debian's merged /usr
(/bin → usr/bin) with dpkg's database (/var/lib/dpkg/status, info/*.list), Alpine's busybox
applets and apk database (/lib/apk/db/installed), busybox's hard links to /bin/[, the official
images' own layers on top of debian:bookworm-slim (python's /usr/local/lib/python3.x, nginx's
/etc/nginx, redis' /usr/local/bin/redis-server, httpd's /usr/local/apache2). File names and
sizes that matter (a binary, a config file, /etc/os-release with its text) are written out;
the rest of a directory's bytes are spread over its files by a hash of their names, so the same
image always has the same tree and the same layer digests.
"""
from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

from .layers import FileEntry, ancestors, directory, file, symlink

MB = 1_000_000
KB = 1_000

# --- helpers -----------------------------------------------------------------------------------


def spread(folder: str, names: Sequence[str], total: int, *, mode: int = 0o644) -> list[FileEntry]:
    """Files `folder/name` sharing `total` bytes, each weighted by a hash of its name."""
    if not names:
        return []
    weights = [1 + int(hashlib.md5(name.encode()).hexdigest()[:4], 16) % 97 for name in names]
    whole = sum(weights)
    sizes = [total * w // whole for w in weights]
    sizes[0] += total - sum(sizes)
    return [file(f"{folder}/{name}", size, mode=mode) for name, size in zip(names, sizes)]


def with_parents(entries: Iterable[FileEntry], *, existing: Iterable[str] = ()) -> list[FileEntry]:
    """The entries plus a 0755 directory for every folder above them not listed yet."""
    entries = list(entries)
    have = {e.path for e in entries} | set(existing)
    missing = sorted({a for e in entries for a in ancestors(e.path)} - have)
    return [directory(path) for path in missing] + entries


def total_size(entries: Iterable[FileEntry]) -> int:
    return sum(e.size for e in entries if e.type == "file")


def fill_to(entries: list[FileEntry], target: int, folder: str, names: Sequence[str]) -> list[FileEntry]:
    """The entries plus `names` in `folder` carrying what is left to reach `target` bytes."""
    return entries + spread(folder, names, max(0, target - total_size(entries)))


def numbered(stem: str, count: int, suffix: str = "") -> list[str]:
    return [f"{stem}{i:03d}{suffix}" for i in range(count)]


# --- Debian and Ubuntu -------------------------------------------------------------------------

DEBIAN_PACKAGES = (
    "adduser apt base-files base-passwd bash bsdutils coreutils dash debconf debian-archive-keyring "
    "debianutils diffutils dpkg e2fsprogs findutils gcc-12-base gpgv grep gzip hostname "
    "init-system-helpers libacl1 libapt-pkg6.0 libattr1 libaudit-common libaudit1 libblkid1 libbz2-1.0 "
    "libc-bin libc6 libcap-ng0 libcap2 libcom-err2 libcrypt1 libdb5.3 libdebconfclient0 libext2fs2 "
    "libffi8 libgcc-s1 libgcrypt20 libgmp10 libgnutls30 libgpg-error0 libhogweed6 libidn2-0 liblz4-1 "
    "liblzma5 libmd0 libmount1 libnettle8 libp11-kit0 libpam-modules libpam-modules-bin libpam-runtime "
    "libpam0g libpcre2-8-0 libseccomp2 libselinux1 libsemanage-common libsemanage2 libsepol2 "
    "libsmartcols1 libss2 libstdc++6 libsystemd0 libtasn1-6 libtinfo6 libudev1 libunistring2 libuuid1 "
    "libxxhash0 libzstd1 login logsave mawk mount ncurses-base ncurses-bin passwd perl-base sed "
    "sysvinit-utils tar usr-is-merged util-linux util-linux-extra zlib1g"
).split()

# What coreutils, util-linux, bash, grep, sed, tar, ... put in /usr/bin
USR_BIN = (
    "[ arch b2sum base32 base64 basename basenc bash bashbug cat chcon chgrp chmod chown chroot cksum "
    "clear cmp comm cp csplit cut dash date dd deb-systemd-helper debconf df diff diff3 dir dircolors "
    "dirname dmesg dpkg dpkg-deb dpkg-divert dpkg-query dpkg-split dpkg-statoverride du echo egrep env "
    "expand expiry expr factor false fgrep find findmnt flock fmt fold getconf getent gpgv grep groups "
    "gunzip gzexe gzip head hostid hostname id infocmp install ionice ipcmk ipcrm ipcs join kill last "
    "ldd link ln locale logger login logname ls lsblk lscpu lsipc lslocks lslogins lsmem lsns mawk "
    "mcookie md5sum mkdir mkfifo mknod mktemp more mount mountpoint mv newgrp nice nl nohup nproc "
    "nsenter numfmt od pager passwd paste pathchk perl perl5.36.0 pinky pldd pr printenv printf "
    "prlimit ptx pwd readlink realpath renice rev rgrep rm rmdir run-parts runcon script scriptlive "
    "sed seq setarch setpriv setsid sg sh sha1sum sha224sum sha256sum sha384sum sha512sum shred shuf "
    "sleep sort split stat stdbuf stty su sum sync tabs tac tail tar taskset tee test tic timeout "
    "toe touch tput tr true truncate tset tsort tty tzselect umount uname uncompress unexpand uniq "
    "unlink unshare users utmpdump vdir wall wc whereis which who whoami xargs yes zcat zcmp zdiff "
    "zegrep zfgrep zforce zgrep zless zmore znew apt apt-cache apt-cdrom apt-config apt-get apt-key apt-mark"
).split()
USR_SBIN = (
    "add-shell addgroup adduser agetty badblocks blkid blockdev chgpasswd chpasswd chroot cpgr cppw "
    "debugfs delgroup deluser dpkg-fsys-usrunmess dumpe2fs e2freefrag e2fsck e2image e2label e2mmpstatus "
    "e2scrub e2undo fdisk findfs fsck fsck.ext4 fstrim getty groupadd groupdel groupmod grpck grpconv "
    "halt hwclock init installkernel isosize killall5 ldconfig losetup mke2fs mkfs mkfs.ext4 mkhomedir_helper "
    "mkswap newusers nologin pam_timestamp_check pivot_root poweroff pwck pwconv readprofile reboot "
    "remove-shell resize2fs rmt runlevel shutdown start-stop-daemon sulogin swapoff swapon switch_root "
    "tune2fs unix_chkpwd update-passwd useradd userdel usermod vipw wipefs zramctl"
).split()
LIBS = (
    "libc.so.6 libm.so.6 libpthread.so.0 libdl.so.2 librt.so.1 libresolv.so.2 libnss_files.so.2 "
    "libnss_dns.so.2 libutil.so.1 libanl.so.1 libstdc++.so.6.0.30 libgcc_s.so.1 libz.so.1.2.13 "
    "libzstd.so.1.5.4 liblzma.so.5.4.1 liblz4.so.1.9.4 libbz2.so.1.0.4 libsystemd.so.0.35.0 "
    "libudev.so.1.7.5 libgnutls.so.30.34.3 libgcrypt.so.20.4.1 libgpg-error.so.0.33.1 libgmp.so.10.4.1 "
    "libnettle.so.8.6 libhogweed.so.6.6 libp11-kit.so.0.3.0 libtasn1.so.6.6.3 libidn2.so.0.3.8 "
    "libunistring.so.2.2.0 libffi.so.8.1.2 libpcre2-8.so.0.11.2 libselinux.so.1 libsepol.so.2 "
    "libsemanage.so.2 libaudit.so.1.0.0 libcap-ng.so.0.0.0 libcap.so.2.66 libacl.so.1.1.2301 "
    "libattr.so.1.1.2501 libblkid.so.1.1.0 libmount.so.1.1.0 libsmartcols.so.1.1.0 libuuid.so.1.3.0 "
    "libtinfo.so.6.4 libncursesw.so.6.4 libcrypt.so.1.1.0 libdb-5.3.so libmd.so.0.0.5 libseccomp.so.2.5.4 "
    "libxxhash.so.0.8.1 libapt-pkg.so.6.0.0 libapt-private.so.0.0.0 libext2fs.so.2.4 libcom_err.so.2.1 "
    "libss.so.2.0 libe2p.so.2.3 libpam.so.0.85.1 libpam_misc.so.0.82.1 libdebconfclient.so.0.0.0"
).split()
GCONV = [f"{name}.so" for name in (
    [f"ISO8859-{i}" for i in range(1, 17) if i != 12] + [f"IBM{n}" for n in range(250, 1400, 7)]
    + [f"CP{n}" for n in (737, 770, 771, 772, 773, 774, 775, 932, 1125, 1250, 1251, 1252, 1253, 1254,
                             1255, 1256, 1257, 1258)]
    + "BIG5 BIG5HKSCS EUC-JP EUC-KR EUC-TW GBK GB18030 UTF-16 UTF-32 UTF-7 UNICODE KOI8-R KOI8-U TCVN5712-1".split()
)] + ["gconv-modules.cache"]
PERL_MODULES = [f"{group}/{name}.pm" for group in ("File", "IO", "Getopt", "Text", "Tie", "Time", "List", "Scalar",
                                                   "Carp", "Exporter", "Hash", "Unicode", "Encode", "Storable")
                for name in ("Basename", "Path", "Spec", "Temp", "Copy", "Find", "Handle", "Util", "Std",
                             "Long", "Wrap", "Local", "Heavy", "Config")]
ETC_FILES = (
    "adduser.conf bash.bashrc bindresvport.blacklist debconf.conf deluser.conf e2scrub.conf environment "
    "ethertypes fstab gai.conf host.conf issue issue.net ld.so.cache ld.so.conf login.defs mke2fs.conf "
    "networks nsswitch.conf pam.conf profile securetty shells subgid subuid xattr.conf"
).split()

OS_RELEASE = {
    "bookworm": ('PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\n'
                 'VERSION="12 (bookworm)"\nVERSION_CODENAME=bookworm\nID=debian\nHOME_URL="https://www.debian.org/"\n'
                 'SUPPORT_URL="https://www.debian.org/support"\nBUG_REPORT_URL="https://bugs.debian.org/"\n'),
    "bullseye": ('PRETTY_NAME="Debian GNU/Linux 11 (bullseye)"\nNAME="Debian GNU/Linux"\nVERSION_ID="11"\n'
                 'VERSION="11 (bullseye)"\nVERSION_CODENAME=bullseye\nID=debian\nHOME_URL="https://www.debian.org/"\n'
                 'SUPPORT_URL="https://www.debian.org/support"\nBUG_REPORT_URL="https://bugs.debian.org/"\n'),
    "trixie": ('PRETTY_NAME="Debian GNU/Linux 13 (trixie)"\nNAME="Debian GNU/Linux"\nVERSION_ID="13"\n'
               'VERSION="13 (trixie)"\nVERSION_CODENAME=trixie\nID=debian\nHOME_URL="https://www.debian.org/"\n'
               'SUPPORT_URL="https://www.debian.org/support"\nBUG_REPORT_URL="https://bugs.debian.org/"\n'),
}
DEBIAN_VERSIONS = {"bookworm": "12.8", "bullseye": "11.11", "trixie": "13.0"}

PASSWD = ("root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
          "bin:x:2:2:bin:/bin:/usr/sbin/nologin\nsys:x:3:3:sys:/dev:/usr/sbin/nologin\n"
          "sync:x:4:65534:sync:/bin:/bin/sync\ngames:x:5:60:games:/usr/games:/usr/sbin/nologin\n"
          "man:x:6:12:man:/var/cache/man:/usr/sbin/nologin\nlp:x:7:7:lp:/var/spool/lpd:/usr/sbin/nologin\n"
          "mail:x:8:8:mail:/var/mail:/usr/sbin/nologin\nnews:x:9:9:news:/var/spool/news:/usr/sbin/nologin\n"
          "www-data:x:33:33:www-data:/var/www:/usr/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n")
GROUP = ("root:x:0:\ndaemon:x:1:\nbin:x:2:\nsys:x:3:\nadm:x:4:\ntty:x:5:\ndisk:x:6:\nlp:x:7:\nmail:x:8:\n"
         "news:x:9:\nstaff:x:50:\nwww-data:x:33:\nusers:x:100:\nnogroup:x:65534:\n")


def dpkg_status(packages: Iterable[str], *, arch: str = "amd64") -> str:
    """/var/lib/dpkg/status: one stanza per installed package."""
    return "".join(
        f"Package: {name}\nStatus: install ok installed\nPriority: required\nArchitecture: {arch}\n"
        f"Version: {_version(name)}\n\n" for name in sorted(packages)
    )


def _version(name: str) -> str:
    digest = hashlib.md5(name.encode()).digest()
    return f"{1 + digest[0] % 9}.{digest[1] % 20}.{digest[2] % 10}-{1 + digest[3] % 4}"


def dpkg_files(packages: Iterable[str]) -> list[FileEntry]:
    """dpkg's database: the status file and each package's file list and checksums."""
    packages = sorted(packages)
    entries = [file("/var/lib/dpkg/status", content=dpkg_status(packages))]
    for name in packages:
        entries.append(file(f"/var/lib/dpkg/info/{name}.list", 600 + len(name) * 37))
        entries.append(file(f"/var/lib/dpkg/info/{name}.md5sums", 900 + len(name) * 53))
        entries.append(file(f"/usr/share/doc/{name}/copyright", 1_800 + len(name) * 211))
    return entries


def debian_rootfs(codename: str = "bookworm", *, target: int = 74_800_000) -> list[FileEntry]:
    """debian:<codename>-slim: one layer, merged /usr, dpkg and apt, no docs but copyrights."""
    entries = [
        symlink("/bin", "usr/bin"), symlink("/sbin", "usr/sbin"), symlink("/lib", "usr/lib"),
        symlink("/lib64", "usr/lib64"), symlink("/usr/lib64/ld-linux-x86-64.so.2", "../lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"),
        *(directory(d) for d in ("/boot", "/dev", "/home", "/media", "/mnt", "/opt", "/proc", "/run", "/srv", "/sys",
                                 "/usr/local/bin", "/usr/local/lib", "/usr/local/share", "/var/cache/apt/archives/partial",
                                 "/var/lib/apt/lists/partial", "/var/log", "/var/mail", "/var/spool", "/var/tmp")),
        directory("/root", mode=0o700), directory("/tmp", mode=0o1777),
        file("/etc/os-release", content=OS_RELEASE[codename]),
        file("/etc/debian_version", content=DEBIAN_VERSIONS[codename] + "\n"),
        file("/etc/hostname", content="buildkitsandbox\n"),
        file("/etc/passwd", content=PASSWD), file("/etc/group", content=GROUP),
        file("/etc/shadow", 501, mode=0o640, gid=42), file("/etc/gshadow", 421, mode=0o640, gid=42),
        file("/etc/apt/sources.list.d/debian.sources",
             content=f"Types: deb\nURIs: http://deb.debian.org/debian\nSuites: {codename} {codename}-updates\n"
                     "Components: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n"),
        file("/etc/apt/apt.conf.d/docker-clean",
             content='DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/*.bin || true"; };\n'),
        file("/etc/apt/apt.conf.d/docker-no-languages", content='Acquire::Languages "none";\n'),
        file("/usr/bin/bash", 1_265_648, mode=0o755), file("/usr/bin/dash", 125_560, mode=0o755),
        file("/usr/bin/perl", 3_963_000, mode=0o755), file("/usr/bin/apt-get", 26_248, mode=0o755),
        file("/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2", 210_968, mode=0o755),
        file("/usr/lib/locale/C.utf8/LC_CTYPE", 346_132),
        *spread("/etc", ETC_FILES, 92 * KB),
        *spread("/usr/sbin", USR_SBIN, 4_100_000, mode=0o755),
        *spread("/usr/lib/x86_64-linux-gnu/gconv", GCONV, 7_300_000),
        *spread("/usr/lib/x86_64-linux-gnu/perl-base", PERL_MODULES, 2_400_000),
        *spread("/usr/share/keyrings", ["debian-archive-keyring.gpg", "debian-archive-removed-keys.gpg"], 118_000),
        *spread("/usr/share/common-licenses", ["Apache-2.0", "Artistic", "BSD", "GFDL-1.3", "GPL-2", "GPL-3",
                                               "LGPL-2.1", "LGPL-3", "MPL-2.0"], 190_000),
        *spread("/usr/share/terminfo/x", ["xterm", "xterm-256color", "xterm-color", "xterm-mono", "xterm-r6"], 17_000),
        *spread("/var/log", ["alternatives.log", "apt/eipp.log.xz", "apt/history.log", "apt/term.log", "dpkg.log"], 68_000),
        *dpkg_files(DEBIAN_PACKAGES),
    ]
    entries += spread("/usr/bin", [n for n in USR_BIN if n not in {"bash", "dash", "perl", "apt-get"}], 13_600_000, mode=0o755)
    entries = fill_to(entries, target, "/usr/lib/x86_64-linux-gnu", LIBS)
    return with_parents(entries)


UBUNTU = {
    "22.04": ("jammy", "22.04.5 LTS (Jammy Jellyfish)", 77_860_000),
    "24.04": ("noble", "24.04.1 LTS (Noble Numbat)", 78_120_000),
}


def ubuntu_rootfs(version: str) -> list[FileEntry]:
    """ubuntu:<version>: Debian's layout with Ubuntu's release files and an unminimize script."""
    codename, pretty, target = UBUNTU[version]
    base = [e for e in debian_rootfs("bookworm", target=0)
            if e.path not in ("/etc/os-release", "/etc/debian_version", "/etc/apt/sources.list.d/debian.sources")]
    release = (f'PRETTY_NAME="Ubuntu {version.split()[0]} LTS"\nNAME="Ubuntu"\nVERSION_ID="{version}"\n'
               f'VERSION="{pretty}"\nVERSION_CODENAME={codename}\nID=ubuntu\nID_LIKE=debian\n'
               f'HOME_URL="https://www.ubuntu.com/"\nUBUNTU_CODENAME={codename}\n')
    base += [
        file("/etc/os-release", content=release), file("/etc/debian_version", content=f"{codename}/sid\n"),
        file("/etc/lsb-release", content=f"DISTRIB_ID=Ubuntu\nDISTRIB_RELEASE={version}\nDISTRIB_CODENAME={codename}\n"),
        file("/etc/apt/sources.list.d/ubuntu.sources",
             content=f"Types: deb\nURIs: http://archive.ubuntu.com/ubuntu/\nSuites: {codename} {codename}-updates\n"
                     "Components: main universe restricted multiverse\n"),
        file("/usr/local/sbin/unminimize", 2_318, mode=0o755),
    ]
    return with_parents(fill_to(base, target, "/usr/lib/x86_64-linux-gnu", [f"ubuntu-{n}" for n in LIBS]))


# --- Alpine and busybox -----------------------------------------------------------------------

BUSYBOX_APPLETS = (
    "arch ash base64 bbconfig cat chattr chgrp chmod chown cp date dd df dmesg dnsdomainname dumpkmap "
    "echo ed egrep false fatattr fdflush fgrep fsync getopt grep gunzip gzip hostname ionice iostat "
    "ipcalc kbd_mode kill link linux32 linux64 ln login ls lsattr lzop makemime mkdir mknod mktemp "
    "more mount mountpoint mpstat mv netstat nice pidof ping ping6 pipe_progress printenv ps pwd "
    "reformime rev rm rmdir run-parts sed setpriv setserial sh sleep stat stty su sync tar touch "
    "true umount uname usleep watch zcat"
).split()
USR_BIN_APPLETS = (
    "[ [[ awk basename bc beep blkdiscard bunzip2 bzcat bzip2 cal chvt cksum clear cmp comm cpio crontab "
    "cryptpw cut dc deallocvt diff dirname dos2unix du eject env expand expr factor fallocate find "
    "flock fold free fuser getconf head hexdump hostid iconv id install ipcrm ipcs killall last less "
    "logger lsof lsusb lzcat lzma md5sum mesg microcom mkfifo mkpasswd nc nl nmeter nohup nproc nsenter "
    "nslookup od openvt paste pgrep pkill pmap printf pscan pstree pwdx readlink realpath renice reset "
    "resize seq setkeycodes setsid sha1sum sha256sum sha3sum sha512sum showkey shred shuf sort split "
    "strings sum tac tail tee test time timeout top tr traceroute truncate tty ttysize udhcpc6 unexpand "
    "uniq unix2dos unlink unlzma unshare unxz unzip uptime uudecode uuencode vi vlock volname wc wget "
    "which whoami whois xargs xxd xzcat yes"
).split()
USR_SBIN_APPLETS = "addgroup adduser chroot crond delgroup deluser ntpd setcap".split()
ALPINE = {"3.19": ("3.19.4", 7_380_000), "3.20": ("3.20.3", 7_800_000), "3.21": ("3.21.0", 7_830_000)}
ALPINE_PACKAGES = ("alpine-baselayout alpine-baselayout-data alpine-keys alpine-release apk-tools busybox "
                   "busybox-binsh ca-certificates-bundle libcrypto3 libssl3 musl musl-utils scanelf "
                   "ssl_client zlib").split()


def apk_installed(packages: Iterable[str]) -> str:
    """/lib/apk/db/installed: one stanza per package (P: name, V: version)."""
    return "".join(f"P:{name}\nV:{_version(name)}\nA:x86_64\n\n" for name in sorted(packages))


def alpine_rootfs(version: str) -> list[FileEntry]:
    """alpine:<version>: musl, busybox and its applet links, apk and its database."""
    release, target = ALPINE[version]
    entries = [
        *(directory(d) for d in ("/dev", "/home", "/media", "/mnt", "/opt", "/proc", "/run", "/srv", "/sys",
                                 "/usr/local/bin", "/var/cache/apk", "/var/log", "/etc/apk/keys")),
        directory("/root", mode=0o700), directory("/tmp", mode=0o1777),
        file("/etc/os-release", content=f'NAME="Alpine Linux"\nID=alpine\nVERSION_ID={release}\n'
                                        f'PRETTY_NAME="Alpine Linux v{version}"\nHOME_URL="https://alpinelinux.org/"\n'),
        file("/etc/alpine-release", content=release + "\n"),
        file("/etc/apk/repositories", content=f"https://dl-cdn.alpinelinux.org/alpine/v{version}/main\n"
                                              f"https://dl-cdn.alpinelinux.org/alpine/v{version}/community\n"),
        file("/etc/apk/world", content="alpine-baselayout\nalpine-keys\napk-tools\nbusybox\nca-certificates-bundle\n"
                                       "libc-utils\n"),
        file("/etc/passwd", content="root:x:0:0:root:/root:/bin/sh\nbin:x:1:1:bin:/bin:/sbin/nologin\n"
                                    "daemon:x:2:2:daemon:/sbin:/sbin/nologin\nnobody:x:65534:65534:nobody:/:/sbin/nologin\n"),
        file("/etc/group", content="root:x:0:root\nbin:x:1:root,bin,daemon\nnogroup:x:65533:\nnobody:x:65534:\n"),
        file("/lib/apk/db/installed", content=apk_installed(ALPINE_PACKAGES)),
        file("/bin/busybox", 808_712, mode=0o755),
        file("/lib/ld-musl-x86_64.so.1", 657_000, mode=0o755), symlink("/lib/libc.musl-x86_64.so.1", "ld-musl-x86_64.so.1"),
        file("/sbin/apk", 68_600, mode=0o755), file("/usr/lib/libapk.so.2.14.0", 271_000, mode=0o755),
        file("/lib/libcrypto.so.3", 4_420_000, mode=0o755), file("/lib/libssl.so.3", 695_000, mode=0o755),
        file("/lib/libz.so.1.3.1", 100_000, mode=0o755),
        file("/etc/ssl/certs/ca-certificates.crt", 219_000),
        *(symlink(f"/bin/{name}", "/bin/busybox") for name in BUSYBOX_APPLETS),
        *(symlink(f"/usr/bin/{name}", "/bin/busybox") for name in USR_BIN_APPLETS),
        *(symlink(f"/usr/sbin/{name}", "/bin/busybox") for name in USR_SBIN_APPLETS),
        *spread("/etc", ["fstab", "hostname", "hosts", "inittab", "issue", "modules", "motd", "nsswitch.conf", "profile",
                         "protocols", "services", "shadow", "shells", "sysctl.conf"], 32_000),
        *spread("/etc/apk/keys", [f"alpine-devel@lists.alpinelinux.org-{n}.rsa.pub" for n in
                                  ("4a6a0840", "5243ef4b", "5261cecb", "6165ee59")], 3_600),
    ]
    return with_parents(fill_to(entries, target, "/usr/lib", [f"lib{n}.so" for n in ("ssl-util", "scanelf", "getconf")]))


BUSYBOX = {"1.35": 4_260_000, "1.36": 4_270_000, "1.37": 4_280_000}


def busybox_rootfs(version: str) -> list[FileEntry]:
    """busybox:<version>: one static binary, /bin/[, and every applet a hard link to it."""
    applets = sorted(set(BUSYBOX_APPLETS + USR_BIN_APPLETS + USR_SBIN_APPLETS) - {"["})
    entries = [
        directory("/bin"), directory("/dev"), directory("/etc"), directory("/home"), directory("/lib"),
        directory("/root", mode=0o700), directory("/tmp", mode=0o1777), directory("/usr/sbin"), directory("/var/www"),
        file("/bin/[", BUSYBOX[version] - 6_000, mode=0o755),
        *(FileEntry(f"/bin/{name}", "hardlink", 0, 0o755, target="/bin/[") for name in applets),
        file("/etc/passwd", content="root:x:0:0:root:/root:/bin/sh\ndaemon:x:1:1:daemon:/usr/sbin:/bin/false\n"
                                    "nobody:x:65534:65534:nobody:/home:/bin/false\nwww-data:x:33:33:www-data:/var/www:/bin/false\n"),
        file("/etc/group", content="root:x:0:\ndaemon:x:1:\nnogroup:x:65534:\nwww-data:x:33:\n"),
        file("/etc/nsswitch.conf", content="hosts: files dns\nnetworks: files\n"),
        file("/etc/localtime", 127), file("/etc/shadow", 243, mode=0o600),
    ]
    return with_parents(fill_to(entries, BUSYBOX[version], "/lib", ["libc.so.6", "libm.so.6", "libresolv.so.2"]))


# --- the official images on debian:bookworm-slim ----------------------------------------------

TZDATA_REGIONS = {"Africa": 52, "America": 142, "Asia": 98, "Atlantic": 12, "Australia": 23, "Europe": 63,
                  "Indian": 11, "Pacific": 43}


def tzdata_files() -> list[FileEntry]:
    return [entry for region, count in TZDATA_REGIONS.items()
            for entry in spread(f"/usr/share/zoneinfo/{region}", numbered("Zone", count), count * 1_900)]


def python_runtime_deps(codename: str = "bookworm") -> list[FileEntry]:
    """The python image's first RUN: ca-certificates, netbase, tzdata (apt-get, lists removed)."""
    entries = [file("/etc/ssl/certs/ca-certificates.crt", 213_000), file("/etc/protocols", 2_932),
               file("/etc/services", 12_813), *tzdata_files(),
               *spread("/usr/share/ca-certificates/mozilla", numbered("Root_CA_", 140, ".crt"), 270_000),
               *spread("/usr/lib/ssl", ["openssl.cnf", "certs", "private"], 12_400),
               *dpkg_files(["ca-certificates", "netbase", "tzdata", "openssl", "libssl3", "libsqlite3-0",
                            "libreadline8", "libncursesw6", "libexpat1", "libuuid1"]),
               file("/var/lib/dpkg/status", content=dpkg_status(
                   list(DEBIAN_PACKAGES) + ["ca-certificates", "netbase", "tzdata", "openssl", "libssl3", "libsqlite3-0",
                                            "libreadline8", "libncursesw6", "libexpat1"]))]
    entries += spread("/usr/lib/x86_64-linux-gnu", ["libssl.so.3", "libcrypto.so.3", "libsqlite3.so.0.8.6",
                                                    "libreadline.so.8.2", "libexpat.so.1.8.10"], 7_900_000, mode=0o755)
    return entries


STDLIB_PACKAGES = ("asyncio collections concurrent ctypes curses dbm email encodings ensurepip html http "
                   "importlib json lib2to3 logging multiprocessing pydoc_data re sqlite3 tomllib unittest "
                   "urllib venv wsgiref xml xmlrpc zoneinfo").split()
STDLIB_MODULES = ("abc argparse ast base64 bisect calendar codecs contextlib copy csv dataclasses datetime "
                  "decimal difflib dis enum fnmatch fractions functools getopt gettext glob gzip hashlib heapq "
                  "hmac inspect io ipaddress keyword linecache locale mimetypes numbers opcode operator optparse "
                  "os pathlib pickle platform pprint queue random selectors shlex shutil signal socket "
                  "socketserver ssl stat statistics string struct subprocess tarfile tempfile textwrap threading "
                  "timeit token tokenize traceback types typing uuid warnings weakref zipfile").split()
PYTHON = {"3.11": ("3.11.11", 24.2), "3.12": ("3.12.8", 24.5), "3.13": ("3.13.1", 24.9)}


def python_install(minor: str) -> list[FileEntry]:
    """python:<minor>-slim's build layer: /usr/local/bin/python3.x and its standard library."""
    version, install_size = PYTHON[minor]
    lib = f"/usr/local/lib/python{minor}"
    entries = [
        file(f"/usr/local/bin/python{minor}", 16_000, mode=0o755),
        file(f"/usr/local/lib/libpython{minor}.so.1.0", 27_400_000 if minor == "3.13" else 24_900_000, mode=0o755),
        *(file(f"/usr/local/bin/{tool}{minor}", 230, mode=0o755) for tool in ("idle", "pydoc", "python", "2to3-")),
        file(f"/usr/local/bin/pip{minor}", 240, mode=0o755),
    ]
    for package in STDLIB_PACKAGES:
        modules = ["__init__.py"] + [f"{m}.py" for m in STDLIB_MODULES[: 8 + len(package) % 12]]
        entries += spread(f"{lib}/{package}", modules, 180_000 + 9_000 * len(package))
        entries += spread(f"{lib}/{package}/__pycache__", [m.replace(".py", f".cpython-{minor.replace('.', '')}.pyc")
                                                           for m in modules], 120_000 + 6_000 * len(package))
    entries += spread(lib, [f"{m}.py" for m in STDLIB_MODULES], 4_600_000)
    entries += spread(f"{lib}/__pycache__", [f"{m}.cpython-{minor.replace('.', '')}.pyc" for m in STDLIB_MODULES], 3_800_000)
    entries += spread(f"{lib}/lib-dynload", [f"_{m}.cpython-{minor.replace('.', '')}-x86_64-linux-gnu.so" for m in
                                             ("asyncio", "bz2", "ctypes", "curses", "datetime", "decimal", "hashlib",
                                              "json", "lzma", "multiprocessing", "pickle", "queue", "socket",
                                              "sqlite3", "ssl", "struct", "uuid", "zoneinfo")], 6_100_000, mode=0o755)
    pip = f"{lib}/site-packages/pip"
    entries += spread(pip, ["__init__.py", "__main__.py", "py.typed"], 4_000)
    entries += spread(f"{pip}/_internal", [f"{m}.py" for m in ("build_env", "cache", "configuration", "exceptions",
                                                               "main", "pyproject", "self_outdated_check", "wheel_builder")], 90_000)
    entries += spread(f"{pip}/_vendor", [f"{m}.py" for m in ("typing_extensions", "six", "distro", "pkg_resources",
                                                             "requests", "urllib3", "rich", "packaging")], 8_600_000)
    entries.append(file(f"{lib}/site-packages/README.txt", 119))
    return fill_to(entries, int(install_size * MB) + 25_000_000, f"{lib}/config-{minor}-x86_64-linux-gnu",
                   ["Makefile", "Setup", "Setup.local", "config.c", "python.o", "libpython.a"])


def python_links(minor: str) -> list[FileEntry]:
    """The python image's last RUN: the unversioned names."""
    return [symlink(f"/usr/local/bin/{name}", f"{target}{minor}") for name, target in
            (("idle3", "idle"), ("pydoc3", "pydoc"), ("python3", "python"), ("python3-config", "python"))] + \
           [symlink("/usr/local/bin/python", "python3"), symlink("/usr/local/bin/pip", f"pip{minor}"),
            symlink("/usr/local/bin/pip3", f"pip{minor}")]


NGINX_CONF = """user  nginx;
worker_processes  auto;

error_log  /var/log/nginx/error.log notice;
pid        /var/run/nginx.pid;

events {
    worker_connections  1024;
}

http {
    include       /etc/nginx/mime.types;
    default_type  application/octet-stream;
    access_log  /var/log/nginx/access.log  main;
    sendfile        on;
    keepalive_timeout  65;
    include /etc/nginx/conf.d/*.conf;
}
"""
NGINX_DEFAULT = """server {
    listen       80;
    listen  [::]:80;
    server_name  localhost;

    location / {
        root   /usr/share/nginx/html;
        index  index.html index.htm;
    }
}
"""
NGINX_INDEX = ("<!DOCTYPE html>\n<html>\n<head>\n<title>Welcome to nginx!</title>\n</head>\n<body>\n"
               "<h1>Welcome to nginx!</h1>\n<p>If you see this page, the nginx web server is successfully installed and\n"
               "working. Further configuration is required.</p>\n</body>\n</html>\n")


def nginx_install(version: str, *, target: int) -> list[FileEntry]:
    """nginx's big RUN: the nginx user, the package from nginx.org, its modules, logs to stdout."""
    passwd = PASSWD + "nginx:x:101:101:nginx user:/nonexistent:/bin/false\n"
    entries = [
        file("/etc/passwd", content=passwd), file("/etc/group", content=GROUP + "nginx:x:101:\n"),
        file("/usr/sbin/nginx", 1_480_000 + 1_000 * int(version.split(".")[1]), mode=0o755),
        file("/usr/sbin/nginx-debug", 1_530_000, mode=0o755),
        file("/etc/nginx/nginx.conf", content=NGINX_CONF), file("/etc/nginx/conf.d/default.conf", content=NGINX_DEFAULT),
        *spread("/etc/nginx", ["fastcgi_params", "mime.types", "scgi_params", "uwsgi_params"], 9_800),
        symlink("/etc/nginx/modules", "../../usr/lib/nginx/modules"),
        file("/usr/share/nginx/html/index.html", content=NGINX_INDEX),
        file("/usr/share/nginx/html/50x.html", 497),
        symlink("/var/log/nginx/access.log", "/dev/stdout"), symlink("/var/log/nginx/error.log", "/dev/stderr"),
        directory("/var/cache/nginx"),
        *spread("/usr/lib/nginx/modules", [f"ngx_http_{m}_module.so" for m in
                                           ("geoip", "image_filter", "js", "perl", "xslt_filter")] +
                ["ngx_stream_js_module.so", "ngx_stream_geoip_module.so"], 9_600_000, mode=0o755),
        *dpkg_files(["nginx", "nginx-module-njs", "gettext-base", "curl", "libcurl4", "libnghttp2-14", "libpsl5",
                     "librtmp1", "libssh2-1", "libxml2", "libxslt1.1", "libgd3", "libgeoip1", "ca-certificates"]),
    ]
    entries += spread("/usr/lib/x86_64-linux-gnu", ["libcurl.so.4.8.0", "libnghttp2.so.14", "libxml2.so.2.9.14",
                                                    "libxslt.so.1.1.35", "libgd.so.3.0.11", "libGeoIP.so.1.6.12",
                                                    "libssl.so.3", "libcrypto.so.3", "libpsl.so.5.3.4"], 14_000_000, mode=0o755)
    entries.append(file("/usr/bin/curl", 289_000, mode=0o755))
    entries.append(file("/usr/bin/envsubst", 34_000, mode=0o755))
    return fill_to(entries, target, "/usr/share/doc/nginx-module-njs/examples", numbered("example", 40, ".js"))


NGINX_ENTRYPOINT_SCRIPTS = {
    "/docker-entrypoint.sh": 1_620,
    "/docker-entrypoint.d/10-listen-on-ipv6-by-default.sh": 2_125,
    "/docker-entrypoint.d/15-local-resolvers.envsh": 389,
    "/docker-entrypoint.d/20-envsubst-on-templates.sh": 3_018,
    "/docker-entrypoint.d/30-tune-worker-processes.sh": 4_620,
}


def redis_install(version: str) -> list[FileEntry]:
    """redis' build: the binaries in /usr/local/bin (its sources and build tools removed in the same RUN)."""
    server = 15_300_000 + 400_000 * (version == "7.4")
    return [
        file("/usr/local/bin/redis-server", server, mode=0o755),
        file("/usr/local/bin/redis-cli", 7_700_000, mode=0o755),
        file("/usr/local/bin/redis-benchmark", 7_200_000, mode=0o755),
        *(symlink(f"/usr/local/bin/{name}", "redis-server") for name in ("redis-check-aof", "redis-check-rdb",
                                                                         "redis-sentinel")),
        file("/usr/local/bin/gosu", 2_290_000, mode=0o755),
    ]


HTTPD_INDEX = "<html><body><h1>It works!</h1></body></html>\n"


def httpd_install(version: str) -> list[FileEntry]:
    """httpd's build: /usr/local/apache2 (bin, modules, conf, htdocs, icons, error pages)."""
    root = "/usr/local/apache2"
    entries = [
        file(f"{root}/bin/httpd", 2_410_000, mode=0o755),
        *spread(f"{root}/bin", ["ab", "apachectl", "apxs", "checkgid", "dbmmanage", "envvars", "envvars-std",
                                "fcgistarter", "htcacheclean", "htdbm", "htdigest", "htpasswd", "httxt2dbm",
                                "logresolve", "rotatelogs"], 1_100_000, mode=0o755),
        file(f"{root}/conf/httpd.conf", 20_900 + len(version)),
        *spread(f"{root}/conf", ["magic", "mime.types"], 73_000),
        *spread(f"{root}/conf/extra", [f"httpd-{n}.conf" for n in ("autoindex", "dav", "default", "info", "languages",
                                                                   "manual", "mpm", "multilang-errordoc", "ssl",
                                                                   "userdir", "vhosts")], 38_000),
        file(f"{root}/htdocs/index.html", content=HTTPD_INDEX),
        *spread(f"{root}/icons", numbered("icon", 120, ".gif"), 1_200_000),
        *spread(f"{root}/error", [f"HTTP_{c}.html.var" for c in (400, 401, 403, 404, 405, 408, 410, 411, 412, 413,
                                                                  414, 415, 500, 501, 502, 503, 506)], 240_000),
        *spread(f"{root}/modules", [f"mod_{m}.so" for m in
                                    ("access_compat", "actions", "alias", "allowmethods", "auth_basic", "authn_core",
                                     "authn_file", "authz_core", "authz_host", "authz_user", "autoindex", "cgi",
                                     "deflate", "dir", "env", "expires", "filter", "headers", "include", "log_config",
                                     "mime", "mpm_event", "mpm_prefork", "negotiation", "proxy", "proxy_http",
                                     "reqtimeout", "rewrite", "setenvif", "ssl", "status", "unixd", "version")],
                9_400_000, mode=0o755),
        directory(f"{root}/logs"), directory(f"{root}/cgi-bin"),
        file("/usr/local/bin/httpd-foreground", content="#!/bin/sh\nset -e\nrm -f /usr/local/apache2/logs/httpd.pid\n"
                                                        "exec httpd -DFOREGROUND \"$@\"\n", mode=0o755),
    ]
    entries += spread("/usr/lib/x86_64-linux-gnu", ["libapr-1.so.0.7.2", "libaprutil-1.so.0.6.3", "libbrotlienc.so.1",
                                                    "libjansson.so.4", "liblua5.2.so.0", "libpcre2-8.so.0",
                                                    "libxml2.so.2"], 6_300_000, mode=0o755)
    entries += dpkg_files(["libapr1", "libaprutil1", "libaprutil1-ldap", "libbrotli1", "libcurl4", "libjansson4",
                           "liblua5.2-0", "libnghttp2-14", "libxml2", "ca-certificates"])
    return fill_to(entries, 48_000_000, f"{root}/manual", numbered("page", 300, ".html"))


def binary_rootfs(binary: str, size: int, *, extra: Sequence[tuple[str, int]] = ()) -> list[FileEntry]:
    """A distroless-style image: a static binary, CA certificates, passwd, nothing else (no shell)."""
    entries = [
        file(binary, size, mode=0o755),
        file("/etc/passwd", content="root:x:0:0:root:/root:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\n"
                                    "nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n"),
        file("/etc/group", content="root:x:0:\nnobody:x:65534:\nnonroot:x:65532:\n"),
        file("/etc/nsswitch.conf", content="hosts: files dns\n"),
        file("/etc/ssl/certs/ca-certificates.crt", 213_000),
        directory("/home/nonroot", uid=65532, gid=65532), directory("/tmp", mode=0o1777),
        *(file(path, extra_size, mode=0o755) for path, extra_size in extra),
    ]
    return with_parents(entries)

