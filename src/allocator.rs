//! One malloc arena for the whole process, set before any thread starts.
//!
//! glibc gives each new thread an arena of its own at its first allocation (up to eight per
//! core), and an arena keeps what was freed in it for reuse by its threads only. The cockpit's
//! threads each touch a body, a parse or a decoded answer now and then, so freed chunks sat in
//! up to a dozen arenas: on the lab's dashboard the anonymous memory besides the main heap was
//! 2.6-2.9 MB with them and 0.4 MB with one arena (BENCHMARKS.md, Memory). The threads rarely
//! allocate at the same moment (a poll every few seconds; the engine parses on one thread), so
//! the one lock they share is rarely contended.

/// How many arenas glibc may create: the main one only.
const ARENAS: i32 = 1;

/// Bounds glibc's arenas. Call first thing in `main`, before the runtime starts its threads;
/// an environment that sets `MALLOC_ARENA_MAX` (or the glibc tunable) itself keeps its choice.
/// Returns whether the bound was set here.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[allow(unsafe_code)]
pub fn bound_arenas() -> bool {
    let chosen_outside = std::env::var_os("MALLOC_ARENA_MAX").is_some()
        || std::env::var("GLIBC_TUNABLES").is_ok_and(|t| t.contains("glibc.malloc.arena_max"));
    if chosen_outside {
        return false;
    }
    // SAFETY: mallopt(3) only changes a setting of glibc's allocator, with integer arguments;
    // before other threads exist nothing can allocate concurrently with the change (and glibc
    // takes its own lock for it anyway).
    unsafe { libc::mallopt(libc::M_ARENA_MAX, ARENAS) == 1 }
}

/// Other allocators (musl, other systems) have no per-thread arenas to bound.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn bound_arenas() -> bool {
    false
}
