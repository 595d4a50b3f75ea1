#!/usr/bin/env python3
"""Keeps libsim's layout true: the folder map of libsim/README.md, read from its table, is what the
includes do; the command line stays out of libsim; LibTorch and hnswlib stay in their folders, and
no program under tools/ reaches LibTorch through a header (the programs load it as a plugin, see
commands/torch_plugin.hpp); files, folders and program mains stay within their sizes.

    check_layout.py SOURCE_ROOT

Prints every violation (file:line: what is wrong) and exits 1 if there is any, else 0.
"""
import re
import sys
from pathlib import Path

MAX_FILE_LINES = 600  # no file of libsim longer
MAX_FOLDER_SHARE = 0.30  # no folder of libsim holds more of its lines
MAX_MAIN_LINES = 150  # every tools/sim-*/main.cpp shorter

# Heavy dependencies and the only places that may include them directly.
TORCH_FOLDERS = {"model", "train"}
HNSWLIB_FILES = {"search/hnsw_index.cpp", "search/hnsw_graph.hpp", "search/hnsw_graph_file.hpp"}
HNSWLIB_PRIVATE = {"search/hnsw_graph.hpp", "search/hnsw_graph_file.hpp"}  # included by hnsw_index.cpp only

TORCH_INCLUDE = ("torch/", "ATen/", "c10/")

INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')


def read_map(readme):
    """{folder: set of folders it may include} from the table rows "| `name/` | ... | a, b |"."""
    allowed = {}
    for line in readme.read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 3:
            continue
        name = re.fullmatch(r"`([a-z_]+)/`", cells[0])
        if not name:
            continue
        below = cells[2]
        allowed[name.group(1)] = set() if below == "nothing" else {f.strip() for f in below.split(",")}
    return allowed


def quoted_includes(path):
    """[(line number, target)] of the file's #include "..." lines."""
    found = []
    for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
        m = INCLUDE.match(line)
        if m and m.group(1) == '"':
            found.append((number, m.group(2)))
    return found


def includes_torch(path):
    for line in path.read_text(errors="replace").splitlines():
        m = INCLUDE.match(line)
        if m and m.group(1) == "<" and m.group(2).startswith(TORCH_INCLUDE):
            return True
    return False


def torch_chain(root, start):
    """The chain of quoted includes by which START reaches a header that includes LibTorch, as a
    list of paths relative to ROOT, or None. Headers are resolved as the build does: against
    libsim/, tools/, then the including file's folder."""
    def resolve(target, including):
        for base in (root / "libsim", root / "tools", including.parent):
            if (base / target).is_file():
                return (base / target).resolve()
        return None

    seen = set()
    stack = [(start.resolve(), [start.relative_to(root).as_posix()])]
    while stack:
        path, chain = stack.pop()
        for _, target in quoted_includes(path):
            header = resolve(target, path)
            if header is None or header in seen:
                continue
            seen.add(header)
            step = chain + [target]
            if includes_torch(header):
                return step
            stack.append((header, step))
    return None


def main(root):
    root = Path(root)
    libsim = root / "libsim"
    problems = []
    allowed = read_map(libsim / "README.md")
    if not allowed:
        return ["libsim/README.md: no folder table found"]
    for folder, below in allowed.items():
        for other in below - set(allowed):
            problems.append(f"libsim/README.md: {folder}/ may include '{other}', which the table does not list")
    sources = sorted(p for p in libsim.rglob("*") if p.suffix in (".cpp", ".hpp") and p.is_file())
    folders_on_disk = {p.relative_to(libsim).parts[0] for p in sources}
    for folder in sorted(folders_on_disk - set(allowed)):
        problems.append(f"libsim/{folder}/: not in the map of libsim/README.md")
    for folder in sorted(set(allowed) - folders_on_disk):
        problems.append(f"libsim/README.md: {folder}/ is in the map but holds no source file")

    lines_by_folder = {}
    total = 0
    for path in sources:
        rel = path.relative_to(libsim).as_posix()
        folder = rel.split("/")[0]
        text = path.read_text(errors="replace").splitlines()
        total += len(text)
        lines_by_folder[folder] = lines_by_folder.get(folder, 0) + len(text)
        if len(text) > MAX_FILE_LINES:
            problems.append(f"libsim/{rel}: {len(text)} lines, more than {MAX_FILE_LINES}")
        for number, line in enumerate(text, 1):
            m = INCLUDE.match(line)
            if not m:
                continue
            where = f"libsim/{rel}:{number}"
            kind, target = m.groups()
            if kind == "<":
                if target.startswith("CLI/"):
                    problems.append(f"{where}: includes CLI11 <{target}>; flags belong in tools/cli")
                elif target.startswith("torch/") and folder not in TORCH_FOLDERS:
                    problems.append(f"{where}: includes LibTorch <{target}> outside {sorted(TORCH_FOLDERS)}")
                elif target.startswith("hnswlib/") and rel not in HNSWLIB_FILES:
                    problems.append(f"{where}: includes hnswlib <{target}> outside {sorted(HNSWLIB_FILES)}")
                continue
            if target in HNSWLIB_PRIVATE and rel not in HNSWLIB_FILES:
                problems.append(f"{where}: includes {target}, private to search/hnsw_index.cpp")
            other = target.split("/")[0] if "/" in target else None
            if other is None or other == folder:
                continue
            if other not in allowed:
                problems.append(f"{where}: includes \"{target}\", which is not in libsim ({other}/ is outside the map)")
            elif folder in allowed and other not in allowed[folder]:
                problems.append(f"{where}: {folder}/ includes {other}/ (\"{target}\"), which the map does not allow")

    for folder, count in sorted(lines_by_folder.items()):
        if total and count / total > MAX_FOLDER_SHARE:
            problems.append(
                f"libsim/{folder}/: {count} of libsim's {total} lines ({count / total:.0%}), "
                f"more than {MAX_FOLDER_SHARE:.0%}")

    tool_sources = sorted(p for p in (root / "tools").rglob("*") if p.suffix in (".cpp", ".hpp") and p.is_file())
    for source in tool_sources:
        chain = torch_chain(root, source)
        if chain:
            problems.append(f"{chain[0]}: reaches LibTorch through {' -> '.join(chain[1:])}; "
                            "programs load it through commands/torch_plugin.hpp")

    for main_cpp in sorted((root / "tools").glob("sim-*/main.cpp")):
        count = len(main_cpp.read_text().splitlines())
        if count >= MAX_MAIN_LINES:
            problems.append(f"{main_cpp.relative_to(root)}: {count} lines, not under {MAX_MAIN_LINES}")
    return problems


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    found = main(sys.argv[1])
    for p in found:
        print(p)
    if found:
        print(f"check_layout: {len(found)} problem(s)", file=sys.stderr)
        sys.exit(1)
    print("check_layout: libsim keeps its layout")
