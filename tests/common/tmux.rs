//! A real terminal for the end-to-end tests: one tmux server per pane, keys in with
//! `send-keys`, the screen out with `capture-pane`.

use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::Ordering;
use std::thread::sleep;
use std::time::{Duration, Instant};

use super::{Sandbox, COUNTER};

pub const WIDTH: u16 = 120;
pub const HEIGHT: u16 = 40;
/// A debug binary on a loaded machine can take a while to show its first figures.
pub const STARTUP: Duration = Duration::from_secs(60);
pub const SETTLE: Duration = Duration::from_secs(15);

/// One tmux server of its own (its own socket), one 120×40 pane running the binary under a
/// wrapper shell that says how it exited and whether the terminal modes came back, then stays
/// so the pane can be read. The server is killed on drop.
pub struct Pane {
    pub socket: String,
    pub pid_file: PathBuf,
}

pub fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

impl Pane {
    /// Starts `cutover ARGS` in the sandbox's environment, with `env` added.
    pub fn start(sb: &Sandbox, args: &[&str], env: &[(&str, &str)]) -> Pane {
        let socket = format!(
            "cutover-test-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst)
        );
        let dir = sb.path();
        let pid_file = dir.join(format!("{socket}.pid"));
        let mut script = String::from(
            "unset RUST_BACKTRACE NO_COLOR COLORTERM CUTOVER_CONFIG CUTOVER_CONTEXT\n",
        );
        for (k, v) in [
            ("HOME", dir.to_path_buf()),
            ("XDG_CONFIG_HOME", dir.join("config")),
            ("XDG_STATE_HOME", dir.join("state")),
            ("XDG_DATA_HOME", dir.join("data")),
            ("XDG_CACHE_HOME", dir.join("cache")),
        ] {
            script.push_str(&format!("export {k}={}\n", quote(&v.to_string_lossy())));
        }
        script.push_str("export LANG=C.UTF-8\n");
        for (k, v) in env {
            script.push_str(&format!("export {k}={}\n", quote(v)));
        }
        let mut command = quote(env!("CARGO_BIN_EXE_cutover"));
        for a in args {
            command.push(' ');
            command.push_str(&quote(a));
        }
        script.push_str(&format!(
            "echo BEFORE-CUTOVER\n\
             modes=$(stty -g)\n\
             sh -c 'echo $$ > \"$0\"; exec \"$@\"' {pid} {command}\n\
             echo EXITED $?\n\
             if [ \"$(stty -g)\" = \"$modes\" ]; then echo TTY-RESTORED; else echo TTY-CHANGED; fi\n\
             sleep 120\n",
            pid = quote(&pid_file.to_string_lossy()),
        ));
        let script_file = dir.join(format!("{socket}.sh"));
        std::fs::write(&script_file, script).unwrap();
        let conf = dir.join(format!("{socket}.conf"));
        std::fs::write(&conf, "set -g status off\nset -g history-limit 200\n").unwrap();
        let pane = Pane { socket, pid_file };
        let out = Command::new("tmux")
            .args(["-L", &pane.socket, "-u", "-f"])
            .arg(&conf)
            .args(["new-session", "-d", "-s", "main", "-x"])
            .arg(WIDTH.to_string())
            .arg("-y")
            .arg(HEIGHT.to_string())
            .arg(format!("sh {}", quote(&script_file.to_string_lossy())))
            .output()
            .expect("tmux is installed");
        assert!(
            out.status.success(),
            "tmux new-session: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        pane
    }

    pub fn tmux(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .args(["-L", &self.socket])
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "tmux {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// The pane as text.
    pub fn screen(&self) -> String {
        self.tmux(&["capture-pane", "-p", "-t", "main"])
    }

    /// The pane once two captures in a row agree: tmux may take a frame in more than one
    /// read, and a capture between them shows half of it.
    pub fn settled_screen(&self) -> String {
        let mut last = self.screen();
        for _ in 0..50 {
            sleep(Duration::from_millis(15));
            let now = self.screen();
            if now == last {
                break;
            }
            last = now;
        }
        last
    }

    pub fn display(&self, format: &str) -> String {
        self.tmux(&["display", "-p", "-t", "main", format])
            .trim()
            .to_string()
    }

    pub fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "main"];
        args.extend_from_slice(keys);
        self.tmux(&args);
    }

    pub fn text(&self, text: &str) {
        self.tmux(&["send-keys", "-t", "main", "-l", text]);
    }

    /// Waits until the pane satisfies `ok`; fails with `what` and the pane after `timeout`.
    pub fn wait_for(&self, what: &str, timeout: Duration, ok: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let s = self.settled_screen();
            if ok(&s) {
                return s;
            }
            if start.elapsed() > timeout {
                panic!("waited {timeout:?} for {what}; the pane shows:\n{s}");
            }
            sleep(Duration::from_millis(50));
        }
    }

    /// The cutover process (the wrapper writes its pid just before exec).
    pub fn pid(&self) -> String {
        let start = Instant::now();
        loop {
            if let Ok(p) = std::fs::read_to_string(&self.pid_file) {
                if !p.trim().is_empty() {
                    return p.trim().to_string();
                }
            }
            assert!(start.elapsed() < STARTUP, "cutover never started");
            sleep(Duration::from_millis(20));
        }
    }

    pub fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .arg(format!("-{name}"))
            .arg(self.pid())
            .status()
            .unwrap();
        assert!(status.success(), "kill -{name}");
    }

    /// Waits for the wrapper's report; returns the exit status and the pane. The report is
    /// looked for across line ends: after SIGKILL the terminal stays raw and lines wrap.
    pub fn exited(&self) -> (i32, String) {
        let flat = |s: &str| s.lines().collect::<String>();
        let s = self.wait_for("cutover to exit", SETTLE, |s| {
            let f = flat(s);
            f.contains("TTY-RESTORED") || f.contains("TTY-CHANGED")
        });
        let f = flat(&s);
        let at = f
            .find("EXITED ")
            .expect("the wrapper reports the exit status")
            + 7;
        // An exit status has at most three digits; what follows on the (flattened) screen may
        // start with digits too (a cockpit killed mid-frame leaves its last frame there).
        let digits: String = f[at..]
            .chars()
            .take_while(char::is_ascii_digit)
            .take(3)
            .collect();
        (digits.parse().unwrap(), s)
    }

    /// The terminal is as the shell left it: normal screen with what was there before,
    /// cursor shown, the same tty modes (raw mode left).
    pub fn assert_restored(&self, screen: &str) {
        assert_eq!(
            self.display("#{alternate_on}"),
            "0",
            "still on the alternate screen"
        );
        assert_eq!(self.display("#{cursor_flag}"), "1", "cursor still hidden");
        assert!(
            screen.contains("BEFORE-CUTOVER"),
            "the normal screen's content is back:\n{screen}"
        );
        assert!(
            screen.contains("TTY-RESTORED"),
            "tty modes (raw mode) restored:\n{screen}"
        );
        assert!(
            !screen.contains("DOMAIN") && !screen.contains(" LIVE "),
            "the cockpit is gone:\n{screen}"
        );
    }
}

impl Drop for Pane {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .output();
    }
}
