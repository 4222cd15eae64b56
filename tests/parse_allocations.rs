//! The parser allocates nothing per sample: the label buffer is reused across lines and label
//! values borrow from the body unless they hold an escape; the same for exemplars' labels. Counted with a counting allocator,
//! alone in this test binary so that no other test's allocations are counted.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use cutover::ingest::exposition::parse;
use cutover::ingest::prefilter::FamilyFilter;

struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every method hands its arguments unchanged to the system allocator and returns its
// answer; the counting beside it never allocates.
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        System.alloc(layout)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        System.realloc(ptr, layout, new_size)
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

#[test]
fn no_allocation_per_sample() {
    use std::fmt::Write as _;
    let mut body = String::from("# TYPE h histogram\n");
    for i in 0..20_000 {
        let _ = writeln!(
            body,
            "h_bucket{{route=\"/orders/{{id}}\",method=\"GET\",code=\"2xx\",le=\"{}\"}} {i} 1700000000000",
            i % 10
        );
    }
    body.push_str("envoy_server_live{} 1\njob:rate5m{a=\"1\", b=\"2\",} NaN\n");
    let filters = [
        FamilyFilter::all(),
        FamilyFilter::names(["h_bucket", "other"]),
    ];

    for filter in &filters {
        let mut labels_seen = 0usize;
        let before = ALLOCATIONS.load(Ordering::Relaxed);
        let stats = parse(&body, filter, |s| labels_seen += s.labels.len());
        let allocations = ALLOCATIONS.load(Ordering::Relaxed) - before;
        assert!(stats.samples >= 20_000);
        assert!(labels_seen >= 80_000);
        // A handful for the label buffer's growth; nothing that scales with the samples.
        assert!(
            allocations <= 8,
            "{allocations} allocations for {} samples",
            stats.samples
        );
    }
    no_allocation_per_exemplar();
}

/// Exemplars too: their labels go into a second reused buffer. Called from the one test,
/// as a second test running beside it would be counted.
fn no_allocation_per_exemplar() {
    use std::fmt::Write as _;
    let mut body = String::from("# TYPE h histogram\n");
    for i in 0..10_000 {
        let _ = writeln!(
            body,
            "h_bucket{{route=\"/orders/{{id}}\",le=\"{}\"}} {i} # {{trace_id=\"4bf92f3577b34da6a3ce929d0e0e{i:04x}\",span_id=\"00f067aa0ba902b7\"}} 0.{i} 1700000000.{}",
            i % 10,
            i % 1000
        );
    }
    body.push_str("# TYPE c counter\n");
    for i in 0..10_000 {
        let _ = writeln!(
            body,
            "c_total{{code=\"500\",n=\"{i}\"}} {i} # {{trace_id=\"{i:032x}\"}} 1"
        );
    }
    body.push_str("# EOF\n");
    let mut exemplars = 0usize;
    let mut trace_bytes = 0usize;
    let before = ALLOCATIONS.load(Ordering::Relaxed);
    let stats = parse(&body, &FamilyFilter::all(), |s| {
        if let Some(e) = &s.exemplar {
            exemplars += 1;
            trace_bytes += e.labels[0].value.len();
        }
    });
    let allocations = ALLOCATIONS.load(Ordering::Relaxed) - before;
    assert_eq!(stats.samples, 20_000);
    assert_eq!(exemplars, 20_000, "every exemplar is read");
    assert_eq!(trace_bytes, 20_000 * 32);
    assert!(
        allocations <= 8,
        "{allocations} allocations for {exemplars} exemplars"
    );
}
