//! The colour codes the cockpit writes stay within the depth it was given: `--color 16` writes
//! only SGR 30–37/90–97 and 40–47/100–107 (a 16-colour terminal — the Linux console, a
//! vt100-class serial console — knows no `38;5;n` nor `38;2;r;g;b`), `--color 256` no 24-bit
//! colour. The demo runs in tmux through every view in every theme (the light theme is RGB),
//! and every byte it writes is captured with `pipe-pane` and its SGR sequences read.
//!
//! Needs tmux, so `#[ignore]`d; CI runs it with `--include-ignored`.
#![allow(clippy::unwrap_used)]

mod common;

use std::thread::sleep;
use std::time::Duration;

use common::tmux::{quote, Pane, SETTLE, STARTUP};
use common::Sandbox;

/// The parameter lists of every SGR sequence (`ESC [ params m`) in `bytes`. Other CSI
/// sequences (a cursor move `ESC[38;5H` looks like a colour) are skipped.
fn sgr_sequences(bytes: &[u8]) -> Vec<Vec<u32>> {
    let mut out = Vec::new();
    let mut i = 0;
    while i + 1 < bytes.len() {
        if bytes[i] != 0x1b || bytes[i + 1] != b'[' {
            i += 1;
            continue;
        }
        let start = i + 2;
        let mut end = start;
        while end < bytes.len() && (bytes[end].is_ascii_digit() || bytes[end] == b';') {
            end += 1;
        }
        if end < bytes.len() && bytes[end] == b'm' {
            let params = std::str::from_utf8(&bytes[start..end]).expect("ascii");
            out.push(
                params
                    .split(';')
                    .map(|p| {
                        if p.is_empty() {
                            0
                        } else {
                            p.parse().expect("a number")
                        }
                    })
                    .collect(),
            );
        }
        i = end.max(i + 1);
    }
    out
}

/// What the colour parameters of the SGR sequences amount to.
#[derive(Debug, Default)]
struct Colours {
    /// 30–37, 90–97, 40–47, 100–107.
    basic: usize,
    /// `38;5;n` / `48;5;n`.
    indexed: usize,
    /// `38;2;r;g;b` / `48;2;r;g;b`.
    rgb: usize,
    /// An SGR parameter that is not an attribute or a colour code.
    unknown: Vec<u32>,
}

fn colours(sequences: &[Vec<u32>]) -> Colours {
    let mut c = Colours::default();
    for seq in sequences {
        let mut i = 0;
        while i < seq.len() {
            match seq[i] {
                38 | 48 | 58 => match seq.get(i + 1) {
                    Some(5) => {
                        c.indexed += 1;
                        i += 3;
                    }
                    Some(2) => {
                        c.rgb += 1;
                        i += 5;
                    }
                    _ => {
                        c.unknown.push(seq[i]);
                        i += 1;
                    }
                },
                30..=37 | 90..=97 | 40..=47 | 100..=107 => {
                    c.basic += 1;
                    i += 1;
                }
                0..=9 | 22..=29 | 39 | 49 | 59 => i += 1,
                other => {
                    c.unknown.push(other);
                    i += 1;
                }
            }
        }
    }
    c
}

/// Runs the demo at `depth`, visits every view in each of the four themes, quits, and
/// returns every byte the cockpit wrote.
fn demo_bytes(depth: &str) -> Vec<u8> {
    let sb = Sandbox::new();
    let capture = sb.path().join(format!("colour-{depth}.bytes"));
    std::fs::write(&capture, b"").unwrap();
    let pane = Pane::start(&sb, &["--demo", "--color", depth], &[]);
    pane.tmux(&[
        "pipe-pane",
        "-o",
        "-t",
        "main",
        &format!("cat >> {}", quote(&capture.to_string_lossy())),
    ]);
    pane.wait_for("the demo", STARTUP, |s| {
        s.contains(" DEMO ") && s.contains("DOMAIN")
    });
    for _theme in 0..4 {
        for keys in [
            &["1"][..],
            &["Enter"],
            &["Down"],
            &["3"],
            &["4"],
            &["?"],
            &["Escape"],
            &["R"],
            &["Escape"],
        ] {
            pane.keys(keys);
            sleep(Duration::from_millis(250));
        }
        pane.keys(&["t"]);
        sleep(Duration::from_millis(250));
    }
    pane.keys(&["Escape"]);
    pane.wait_for("the overview", SETTLE, |s| s.contains("DOMAIN"));
    pane.keys(&["q"]);
    let (code, s) = pane.exited();
    assert_eq!(code, 0, "the demo quits cleanly:\n{s}");
    pane.tmux(&["pipe-pane", "-t", "main"]);
    sleep(Duration::from_millis(200));
    std::fs::read(&capture).unwrap()
}

#[test]
fn sgr_sequences_are_told_from_cursor_moves() {
    let bytes = b"\x1b[38;5H\x1b[31;49mx\x1b[38;5;196m\x1b[1m\x1b[m";
    let seqs = sgr_sequences(bytes);
    assert_eq!(seqs, vec![vec![31, 49], vec![38, 5, 196], vec![1], vec![0]]);
    let c = colours(&seqs);
    assert_eq!((c.basic, c.indexed, c.rgb), (1, 1, 0));
    let c = colours(&sgr_sequences(b"\x1b[48;2;1;2;3;97m"));
    assert_eq!((c.basic, c.indexed, c.rgb), (1, 0, 1));
}

#[test]
#[ignore = "needs tmux"]
fn sixteen_colours_write_only_the_sixteen_colour_codes() {
    let bytes = demo_bytes("16");
    let seqs = sgr_sequences(&bytes);
    let c = colours(&seqs);
    println!(
        "--color 16: {} bytes, {} SGR sequences, {c:?}",
        bytes.len(),
        seqs.len()
    );
    assert!(bytes.len() > 10_000, "the frames were captured");
    assert!(c.basic > 100, "colours were written: {c:?}");
    assert_eq!(c.indexed, 0, "256-colour codes at 16 colours: {c:?}");
    assert_eq!(c.rgb, 0, "24-bit codes at 16 colours: {c:?}");
    assert!(c.unknown.is_empty(), "unexpected SGR parameters: {c:?}");
}

#[test]
#[ignore = "needs tmux"]
fn two_hundred_fifty_six_colours_write_no_24_bit_colour() {
    let bytes = demo_bytes("256");
    let seqs = sgr_sequences(&bytes);
    let c = colours(&seqs);
    println!(
        "--color 256: {} bytes, {} SGR sequences, {c:?}",
        bytes.len(),
        seqs.len()
    );
    assert!(c.basic > 100, "the named colours were written: {c:?}");
    // The light theme is RGB: at 256 colours it is drawn with the cube's entries.
    assert!(
        c.indexed > 0,
        "the light theme's colours were written: {c:?}"
    );
    assert_eq!(c.rgb, 0, "24-bit codes at 256 colours: {c:?}");
    assert!(c.unknown.is_empty(), "unexpected SGR parameters: {c:?}");
}
