"""Unpacks gpu-check's pack (.device/pack, written by `npm run gpu-check -- --stages pack`) on a
bare GPU machine, with the Python standard library alone: that machine has python3 (PyTorch's) but
neither Node nor, necessarily, the xz tool.

  python3 unpack.py pack PACK_DIR REPO WORK   verify every file against manifest.json; node -> WORK/bin/node;
                                              node_modules and dist -> REPO (replacing what was there)
  python3 unpack.py debs DEB_DIR PREFIX       extract .deb files into PREFIX (no root, no dpkg database)
"""
import hashlib
import io
import json
import lzma
import os
import shutil
import sys
import tarfile


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def extract_tar(fileobj, dest):
    with tarfile.open(fileobj=fileobj, mode="r:*") as tar:
        # The "data" filter (Python >= 3.12, backported to 3.8+ security releases) refuses links and
        # paths that leave dest; older Pythons extract as before.
        if hasattr(tarfile, "data_filter"):
            tar.extractall(dest, filter="data")
        else:
            tar.extractall(dest)


def unpack(pack_dir, repo, work):
    manifest = json.load(open(os.path.join(pack_dir, "manifest.json")))
    for f in manifest["files"]:
        path = os.path.join(pack_dir, f["path"])
        if not os.path.exists(path):
            sys.exit(f"unpack: {f['path']} is missing from {pack_dir}: was .device/pack carried whole?")
        if sha256(path) != f["sha256"]:
            sys.exit(f"unpack: {f['path']} does not match manifest.json (truncated or stale pack)")
    os.makedirs(os.path.join(work, "bin"), exist_ok=True)
    node = os.path.join(work, "bin", "node")
    with lzma.open(os.path.join(pack_dir, "node.xz")) as src, open(node + ".tmp", "wb") as dst:
        shutil.copyfileobj(src, dst, 1 << 20)
    os.chmod(node + ".tmp", 0o755)
    os.replace(node + ".tmp", node)
    for name in ("node_modules", "dist"):
        target = os.path.join(repo, name)
        # A stale tree from an earlier call on a warm machine could hide a missing file.
        if os.path.islink(target):
            sys.exit(f"unpack: {target} is a symbolic link; unpack into a copy of the repository instead")
        shutil.rmtree(target, ignore_errors=True)
        with open(os.path.join(pack_dir, name + ".tar.xz"), "rb") as f:
            extract_tar(f, repo)
    print(f"unpacked node {manifest['node']['version']}, {len(manifest['packages'])} packages and dist/ "
          f"(pack of {manifest['created_at']})")


def ar_members(path):
    """The members of a Debian package (an `ar` archive): name -> bytes."""
    with open(path, "rb") as f:
        if f.read(8) != b"!<arch>\n":
            sys.exit(f"unpack: {path} is not a .deb (ar) archive")
        out = {}
        while True:
            header = f.read(60)
            if len(header) < 60:
                return out
            name, size = header[:16].decode().strip().rstrip("/"), int(header[48:58].decode().strip())
            out[name] = f.read(size)
            if size % 2:
                f.read(1)


def extract_debs(deb_dir, prefix):
    debs = sorted(d for d in os.listdir(deb_dir) if d.endswith(".deb"))
    if not debs:
        sys.exit(f"unpack: no .deb files in {deb_dir}")
    os.makedirs(prefix, exist_ok=True)
    for deb in debs:
        members = ar_members(os.path.join(deb_dir, deb))
        data = next((n for n in members if n.startswith("data.tar")), None)
        if data is None or data.endswith(".zst"):
            sys.exit(f"unpack: {deb} has no data.tar in a format Python reads ({sorted(members)})")
        extract_tar(io.BytesIO(members[data]), prefix)
        print(f"extracted {deb} into {prefix}")


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "pack":
        unpack(*sys.argv[2:])
    elif len(sys.argv) == 4 and sys.argv[1] == "debs":
        extract_debs(*sys.argv[2:])
    else:
        sys.exit(__doc__)
