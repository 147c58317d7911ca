"""The package catalog the builder's RUN installs from: apt, apk and pip packages with files.

run.py (RUN apt-get install / apk add / pip install) → here: does the package exist for
this package manager, what does it depend on, which files does it put where, how big are they,
and what do the package managers leave behind (apt's /var/lib/apt/lists, apk's /var/cache/apk,
pip's /root/.cache/pip) — the bytes `apt-get clean`, `rm -rf /var/lib/apt/lists/*`, `--no-cache`
and `--no-cache-dir` exist for. Sizes are the installed sizes the real packages report (Debian
bookworm, Alpine 3.20, PyPI wheels for CPython on x86_64), rounded; file names follow the real
layout, and the bytes of a package are spread over its files by bases.spread.
"""
from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from . import bases
from .layers import FileEntry, file

KB, MB = 1_000, 1_000_000
APT, APK, PIP = "apt", "apk", "pip"


@dataclass(frozen=True)
class Package:
    name: str
    manager: str  # apt | apk | pip
    size: int  # installed bytes
    binaries: tuple[str, ...] = ()  # commands it puts on the PATH
    depends: tuple[str, ...] = ()
    module: str = ""  # pip: the import name (its folder in site-packages)

    @property
    def version(self) -> str:
        digest = hashlib.md5(f"{self.manager}:{self.name}".encode()).digest()
        return f"{1 + digest[0] % 5}.{digest[1] % 30}.{digest[2] % 10}"


def _apt(name: str, megabytes: float, binaries: str = "", depends: str = "") -> Package:
    return Package(name, APT, int(megabytes * MB), tuple(binaries.split()), tuple(depends.split()))


def _apk(name: str, megabytes: float, binaries: str = "", depends: str = "") -> Package:
    return Package(name, APK, int(megabytes * MB), tuple(binaries.split()), tuple(depends.split()))


def _pip(name: str, megabytes: float, module: str = "", binaries: str = "", depends: str = "") -> Package:
    return Package(name, PIP, int(megabytes * MB), tuple(binaries.split()), tuple(depends.split()),
                   module or name.replace("-", "_").lower())


APT_PACKAGES = {p.name: p for p in (
    _apt("curl", 0.5, "curl", "libcurl4 ca-certificates"), _apt("libcurl4", 0.8, "", "libnghttp2-14 libssh2-1"),
    _apt("libnghttp2-14", 0.4), _apt("libssh2-1", 0.3), _apt("ca-certificates", 0.4, "update-ca-certificates", "openssl"),
    _apt("openssl", 2.2, "openssl", "libssl3"), _apt("libssl3", 6.1), _apt("wget", 3.5, "wget", "libssl3"),
    _apt("git", 40.0, "git git-shell git-upload-pack git-receive-pack", "git-man perl liberror-perl libcurl3-gnutls"),
    _apt("git-man", 2.6), _apt("perl", 7.1, "cpan perldoc prove", "perl-modules-5.36"), _apt("perl-modules-5.36", 17.4),
    _apt("liberror-perl", 0.05), _apt("libcurl3-gnutls", 0.8),
    _apt("vim", 3.8, "vim vimdiff rview", "vim-runtime vim-common"), _apt("vim-runtime", 35.2), _apt("vim-common", 0.4, "xxd"),
    _apt("nano", 2.6, "nano rnano"), _apt("less", 0.4, "less lessecho lesskey"),
    _apt("python3", 0.1, "python3 pydoc3", "python3.11 libpython3.11-stdlib"),
    _apt("python3.11", 0.6, "python3.11", "python3.11-minimal"), _apt("python3.11-minimal", 6.1),
    _apt("libpython3.11-stdlib", 8.4), _apt("python3-pip", 9.1, "pip pip3", "python3 python3-setuptools python3-wheel"),
    _apt("python3-setuptools", 3.0), _apt("python3-wheel", 0.1), _apt("python3-venv", 0.1, "", "python3"),
    _apt("build-essential", 0.02, "", "gcc g++ make libc6-dev dpkg-dev"),
    _apt("gcc", 0.05, "gcc cc c89 c99", "gcc-12 cpp binutils"), _apt("gcc-12", 60.2, "gcc-12", "libgcc-12-dev"),
    _apt("libgcc-12-dev", 9.6), _apt("cpp", 0.05, "cpp", "cpp-12"), _apt("cpp-12", 30.1),
    _apt("binutils", 30.4, "as ld objdump strip readelf nm ar"), _apt("g++", 0.05, "g++ c++", "g++-12"),
    _apt("g++-12", 40.3, "g++-12", "libstdc++-12-dev"), _apt("libstdc++-12-dev", 25.0), _apt("make", 1.5, "make"),
    _apt("libc6-dev", 15.0), _apt("dpkg-dev", 3.0, "dpkg-buildpackage dpkg-source", "patch xz-utils"),
    _apt("patch", 0.25, "patch"), _apt("xz-utils", 0.6, "xz unxz xzcat"),
    _apt("nginx", 1.5, "nginx", "nginx-common"), _apt("nginx-common", 0.5),
    _apt("procps", 2.0, "ps top free kill pgrep pkill uptime vmstat watch"), _apt("iputils-ping", 0.2, "ping"),
    _apt("net-tools", 1.0, "netstat ifconfig route arp"), _apt("jq", 0.1, "jq", "libjq1"), _apt("libjq1", 0.4, "", "libonig5"),
    _apt("libonig5", 0.6), _apt("unzip", 0.4, "unzip"), _apt("zip", 0.6, "zip"), _apt("tzdata", 3.1),
    _apt("postgresql-client", 0.1, "", "postgresql-client-15"),
    _apt("postgresql-client-15", 7.0, "psql pg_dump pg_restore", "libpq5"), _apt("libpq5", 0.9),
    _apt("htop", 0.4, "htop"), _apt("nodejs", 6.2, "node nodejs", "libnode108"), _apt("libnode108", 70.3),
    _apt("npm", 20.4, "npm npx", "nodejs"), _apt("openssh-client", 4.4, "ssh scp ssh-keygen sftp"),
    _apt("gnupg", 0.9, "gpg", "gpg-agent"), _apt("gpg-agent", 1.3), _apt("sudo", 6.3, "sudo"),
    _apt("dnsutils", 0.1, "dig nslookup host", "bind9-dnsutils"), _apt("bind9-dnsutils", 0.7),
)}

APK_PACKAGES = {p.name: p for p in (
    _apk("curl", 0.3, "curl", "libcurl ca-certificates"), _apk("libcurl", 0.7, "", "nghttp2-libs"),
    _apk("nghttp2-libs", 0.2), _apk("ca-certificates", 0.7, "update-ca-certificates"),
    _apk("git", 14.2, "git git-shell", "pcre2 libexpat libcurl"), _apk("pcre2", 0.7), _apk("libexpat", 0.2),
    _apk("vim", 4.0, "vim vimdiff", "xxd vim-common"), _apk("xxd", 0.02, "xxd"), _apk("vim-common", 25.1),
    _apk("nano", 1.0, "nano"), _apk("less", 0.3, "less"), _apk("bash", 1.6, "bash", "readline"), _apk("readline", 0.3),
    _apk("python3", 45.1, "python3 python3.12 pydoc3", "libffi sqlite-libs gdbm mpdecimal readline xz-libs"),
    _apk("libffi", 0.05), _apk("sqlite-libs", 1.5), _apk("gdbm", 0.3), _apk("mpdecimal", 0.3), _apk("xz-libs", 0.2),
    _apk("py3-pip", 15.0, "pip pip3", "python3"),
    _apk("build-base", 0.01, "", "gcc g++ make musl-dev binutils libc-dev fortify-headers patch"),
    _apk("gcc", 140.2, "gcc cc c89 c99", "binutils"), _apk("g++", 40.1, "g++ c++", "gcc"), _apk("make", 0.3, "make"),
    _apk("musl-dev", 4.4), _apk("binutils", 10.1, "as ld objdump strip nm ar"), _apk("libc-dev", 0.01),
    _apk("fortify-headers", 0.1), _apk("patch", 0.2, "patch"),
    _apk("nginx", 1.2, "nginx"), _apk("openssl", 1.0, "openssl"), _apk("jq", 0.5, "jq", "oniguruma"),
    _apk("oniguruma", 0.6), _apk("tzdata", 4.0), _apk("nodejs", 40.3, "node", "ca-certificates"),
    _apk("npm", 10.2, "npm npx", "nodejs"), _apk("postgresql16-client", 2.0, "psql pg_dump", "libpq"), _apk("libpq", 0.4),
    _apk("htop", 0.3, "htop"), _apk("procps-ng", 0.5, "ps top free pgrep pkill"), _apk("iputils-ping", 0.1, "ping"),
    _apk("unzip", 0.2, "unzip"), _apk("zip", 0.4, "zip"), _apk("openssh-client", 2.9, "ssh scp ssh-keygen"),
    _apk("sudo", 2.8, "sudo"), _apk("wget", 0.5, "wget"), _apk("bind-tools", 3.1, "dig nslookup host"),
)}

PIP_PACKAGES = {p.name: p for p in (
    _pip("flask", 0.3, "flask", "flask", "werkzeug jinja2 itsdangerous click blinker"),
    _pip("werkzeug", 1.0, "werkzeug", "", "markupsafe"), _pip("jinja2", 0.8, "jinja2", "", "markupsafe"),
    _pip("markupsafe", 0.05), _pip("itsdangerous", 0.06), _pip("click", 0.4), _pip("blinker", 0.04),
    _pip("requests", 0.2, "", "", "urllib3 idna certifi charset-normalizer"), _pip("urllib3", 0.55), _pip("idna", 0.45),
    _pip("certifi", 0.3), _pip("charset-normalizer", 0.4, "charset_normalizer", "normalizer"),
    _pip("django", 30.1, "django", "django-admin", "asgiref sqlparse"), _pip("asgiref", 0.2), _pip("sqlparse", 0.2),
    _pip("numpy", 70.2, "numpy", "f2py"), _pip("pandas", 70.4, "pandas", "", "numpy python-dateutil pytz tzdata"),
    _pip("python-dateutil", 0.7, "dateutil", "", "six"), _pip("six", 0.04), _pip("pytz", 2.8), _pip("tzdata", 1.4),
    _pip("gunicorn", 0.6, "gunicorn", "gunicorn", "packaging"), _pip("packaging", 0.25),
    _pip("pyyaml", 0.75, "yaml"), _pip("pytest", 1.5, "pytest", "pytest py.test", "iniconfig pluggy packaging"),
    _pip("iniconfig", 0.02), _pip("pluggy", 0.06),
    _pip("fastapi", 0.4, "fastapi", "fastapi", "starlette pydantic typing-extensions"),
    _pip("starlette", 0.8, "starlette", "", "anyio"), _pip("anyio", 0.4, "anyio", "", "idna sniffio"), _pip("sniffio", 0.02),
    _pip("pydantic", 2.0, "pydantic", "", "pydantic-core annotated-types typing-extensions"),
    _pip("pydantic-core", 5.1, "pydantic_core"), _pip("annotated-types", 0.03), _pip("typing-extensions", 0.3, "typing_extensions"),
    _pip("uvicorn", 0.3, "uvicorn", "uvicorn", "click h11"), _pip("h11", 0.2),
    _pip("redis", 1.5), _pip("psycopg2-binary", 9.2, "psycopg2"), _pip("sqlalchemy", 9.3, "sqlalchemy", "", "greenlet typing-extensions"),
    _pip("greenlet", 0.6),
)}

CATALOGS = {APT: APT_PACKAGES, APK: APK_PACKAGES, PIP: PIP_PACKAGES}


class UnknownPackage(LookupError):
    def __init__(self, name: str, manager: str) -> None:
        super().__init__(f"unknown package '{name}' for {manager}")
        self.name, self.manager = name, manager


def resolve(manager: str, names: Iterable[str], installed: Iterable[str] = ()) -> list[Package]:
    """The packages to install for `names`, dependencies first, without the ones installed."""
    catalog = CATALOGS[manager]
    done = set(installed)
    order: list[Package] = []

    def visit(name: str) -> None:
        if name in done:
            return
        package = catalog.get(name)
        if package is None:
            raise UnknownPackage(name, manager)
        done.add(name)
        for dependency in package.depends:
            visit(dependency)
        order.append(package)

    for name in names:
        visit(_bare(name, manager))
    return order


def _bare(name: str, manager: str) -> str:
    """`nginx=1.22.1-9` / `curl~=8.5` / `flask==3.0.0` / `Flask[async]` → the package name."""
    for separator in ("==", ">=", "<=", "~=", "!=", "=", ">", "<", "["):
        name = name.split(separator, 1)[0]
    return name.lower() if manager == PIP else name


# --- the files a package manager writes --------------------------------------------------------


def apt_files(package: Package) -> list[FileEntry]:
    """A Debian package as dpkg unpacks it, plus its dpkg database entries."""
    share = max(0, package.size - 8_000) // 3
    entries = bases.spread("/usr/bin", list(package.binaries), share, mode=0o755) if package.binaries else []
    libs = [f"lib{package.name}-{i}.so" for i in range(1 + package.size // (4 * MB))][:24]
    entries += bases.spread(f"/usr/lib/x86_64-linux-gnu/{package.name}", libs, share if package.binaries else 2 * share)
    data = [f"{package.name}-{i:03d}.dat" for i in range(1 + min(60, package.size // (600 * KB)))]
    entries += bases.spread(f"/usr/share/{package.name}", data, max(0, package.size - 8_000) - bases.total_size(entries))
    entries.append(file(f"/usr/share/doc/{package.name}/copyright", 2_400 + len(package.name) * 100))
    entries.append(file(f"/var/lib/dpkg/info/{package.name}.list", 80 * (len(entries) + 2)))
    entries.append(file(f"/var/lib/dpkg/info/{package.name}.md5sums", 95 * len(entries)))
    return entries


def apk_files(package: Package) -> list[FileEntry]:
    """An Alpine package as apk unpacks it."""
    share = package.size // 3
    entries = bases.spread("/usr/bin", list(package.binaries), share, mode=0o755) if package.binaries else []
    libs = [f"lib{package.name}-{i}.so" for i in range(1 + package.size // (4 * MB))][:24]
    entries += bases.spread("/usr/lib", libs, share if package.binaries else 2 * share, mode=0o755)
    data = [f"{package.name}-{i:03d}.dat" for i in range(1 + min(60, package.size // (600 * KB)))]
    entries += bases.spread(f"/usr/share/{package.name}", data, package.size - bases.total_size(entries))
    return entries


def dpkg_status_after(status: str, packages: Sequence[Package]) -> str:
    """/var/lib/dpkg/status with `packages` added (dpkg rewrites the whole file)."""
    return status + bases.dpkg_status(p.name for p in packages)


def apk_installed_after(installed: str, packages: Sequence[Package]) -> str:
    return installed + bases.apk_installed(p.name for p in packages)


def installed_names(database: str | None, manager: str) -> set[str]:
    """The package names in dpkg's status file or apk's installed database."""
    prefix = "Package: " if manager == APT else "P:"
    return {line[len(prefix):].strip() for line in (database or "").splitlines() if line.startswith(prefix)}


def apt_lists(os_id: str, codename: str) -> list[FileEntry]:
    """What `apt-get update` downloads into /var/lib/apt/lists (the package indexes)."""
    lists = "/var/lib/apt/lists"
    if os_id == "ubuntu":
        host = "archive.ubuntu.com_ubuntu_dists"
        sizes = {f"{host}_{codename}_InRelease": 256 * KB, f"{host}_{codename}_main_binary-amd64_Packages.lz4": 4_900 * KB,
                 f"{host}_{codename}_universe_binary-amd64_Packages.lz4": 39_700 * KB,
                 f"{host}_{codename}_restricted_binary-amd64_Packages.lz4": 420 * KB,
                 f"{host}_{codename}_multiverse_binary-amd64_Packages.lz4": 660 * KB,
                 f"{host}_{codename}-updates_InRelease": 126 * KB,
                 f"{host}_{codename}-updates_main_binary-amd64_Packages.lz4": 2_100 * KB}
    else:
        host = "deb.debian.org_debian_dists"
        sizes = {f"{host}_{codename}_InRelease": 151 * KB, f"{host}_{codename}_main_binary-amd64_Packages.lz4": 17_600 * KB,
                 f"{host}_{codename}-updates_InRelease": 56 * KB,
                 f"{host}_{codename}-updates_main_binary-amd64_Packages.lz4": 13 * KB,
                 f"deb.debian.org_debian-security_dists_{codename}-security_InRelease": 48 * KB,
                 f"deb.debian.org_debian-security_dists_{codename}-security_main_binary-amd64_Packages.lz4": 450 * KB}
    return [file(f"{lists}/{name}", size) for name, size in sizes.items()] + [file(f"{lists}/lock", 0, mode=0o640)]


def apk_index(version_id: str) -> list[FileEntry]:
    """What apk keeps in /var/cache/apk after `apk update` or an `apk add` without --no-cache."""
    tag = hashlib.md5(version_id.encode()).hexdigest()[:8]
    return [file(f"/var/cache/apk/APKINDEX.{tag}.tar.gz", 489 * KB),
            file(f"/var/cache/apk/APKINDEX.{tag[::-1]}.tar.gz", 1_912 * KB)]


def pip_files(package: Package, site_packages: str, bin_dir: str = "/usr/local/bin") -> list[FileEntry]:
    """A wheel as pip installs it: the module, its .dist-info, its console scripts."""
    module = f"{site_packages}/{package.module}"
    names = ["__init__.py"] + [f"{package.module}_{i:02d}.py" for i in range(min(40, 1 + package.size // (150 * KB)))]
    entries = bases.spread(module, names, package.size * 3 // 5)
    entries += bases.spread(f"{module}/__pycache__", [n.replace(".py", ".cpython.pyc") for n in names], package.size * 2 // 5)
    info = f"{site_packages}/{package.module}-{package.version}.dist-info"
    entries += [file(f"{info}/{name}", size) for name, size in (("METADATA", 3_100), ("RECORD", 60 * len(names)),
                                                                 ("WHEEL", 92), ("INSTALLER", 4))]
    entries += [file(f"{bin_dir}/{script}", 230, mode=0o755) for script in package.binaries]
    return entries


def pip_cache_files(packages: Sequence[Package], home: str = "/root") -> list[FileEntry]:
    """What pip keeps in ~/.cache/pip without --no-cache-dir: the downloaded wheels."""
    return [file(f"{home}/.cache/pip/http-v2/{hashlib.md5(p.name.encode()).hexdigest()[:2]}/"
                 f"{hashlib.md5(p.name.encode()).hexdigest()}.body", int(p.size * 0.4)) for p in packages]
