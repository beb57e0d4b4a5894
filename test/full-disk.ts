/**
 * A small disk the test mounts (tmpfs), to make commits fail for real: a full
 * disk fails the write of the WAL at COMMIT, which `PRAGMA max_page_count`
 * (a statement's own failure) does not show. Mounting needs root (CI runs as
 * root); when the mount fails the test fails, it never skips.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A mounted tmpfs of `mb` megabytes. */
export interface SmallDisk {
  dir: string;
  /** Writes filler files until the disk refuses another byte. */
  fill(): void;
  /** Removes the filler files. */
  free(): void;
  /** Unmounts the disk and removes its mount point. */
  unmount(): void;
}

export function mountSmallDisk(mb: number): SmallDisk {
  const dir = mkdtempSync(join(tmpdir(), "sokka-full-"));
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", `size=${mb}m`, "tmpfs", dir], { stdio: "pipe" });
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(
      `cannot mount a ${mb} MB tmpfs at ${dir} (the failing-commit tests need root): ${
        (e as { stderr?: Buffer }).stderr?.toString().trim() || (e as Error).message
      }`,
    );
  }
  let n = 0;
  const fillWith = (bytes: number) => {
    const chunk = new Uint8Array(bytes);
    for (;;) {
      try {
        writeFileSync(join(dir, `filler-${n++}`), chunk);
      } catch (e) {
        if ((e as { code?: string }).code === "ENOSPC") return;
        throw e;
      }
    }
  };
  return {
    dir,
    fill() {
      // big pieces first, then ever smaller ones, down to the last free page
      for (const bytes of [1 << 20, 64 << 10, 4 << 10, 1]) fillWith(bytes);
    },
    free() {
      for (const f of readdirSync(dir)) if (f.startsWith("filler-")) rmSync(join(dir, f));
    },
    unmount() {
      try {
        execFileSync("umount", [dir], { stdio: "pipe" });
      } catch {
        // a process that held a file there (a killed sqld) may not be reaped yet: detach it now, freed when unused
        execFileSync("umount", ["-l", dir], { stdio: "pipe" });
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
