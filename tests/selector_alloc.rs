//! `Selector::matches` runs once per parsed sample, on scrapes of tens of MB: it must not
//! allocate. A counting allocator checks that on this thread.

use cutover::selector::Selector;
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

struct CountingAllocator;

thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

// SAFETY: every method hands its arguments unchanged to the system allocator and returns its
// answer; the counting beside it never allocates.
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
        System.alloc(layout)
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout)
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
        System.realloc(ptr, layout, new_size)
    }
}

#[global_allocator]
static GLOBAL: CountingAllocator = CountingAllocator;

fn allocations() -> usize {
    ALLOCATIONS.with(Cell::get)
}

#[test]
fn matching_does_not_allocate() {
    let selectors = [
        Selector::parse(r#"http_requests_total{handler="/orders/{order_id}", status=~"5..", method!="OPTIONS", env!~"dev|test", zone=""}"#)
            .unwrap(),
        Selector::parse(r#"{__name__=~"http_requests_(total|created)", handler=~"/orders/.*"}"#)
            .unwrap(),
    ];
    let labels = [
        ("method", "GET"),
        ("handler", "/orders/{order_id}"),
        ("status", "5xx"),
        ("env", "prod"),
    ];
    let other = [
        ("method", "GET"),
        ("handler", "/billing"),
        ("status", "2xx"),
    ];
    // The regex engine keeps a per-thread cache it fills on first use: warm it up.
    for selector in &selectors {
        selector.matches("http_requests_total", labels);
        selector.matches("http_requests_total", other);
    }
    let before = allocations();
    let mut matched = 0;
    for _ in 0..1000 {
        for selector in &selectors {
            matched += usize::from(selector.matches("http_requests_total", labels));
            matched += usize::from(selector.matches("http_requests_total", other));
            matched += usize::from(selector.matches("process_cpu_seconds_total", labels));
        }
    }
    let after = allocations();
    assert_eq!(matched, 1000 * 2, "each selector matches `labels` only");
    assert_eq!(after - before, 0, "matches() allocated");
}
