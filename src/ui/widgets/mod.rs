//! Small drawing pieces the views share: text placed in cells, the split bar, the trend chart.
//! They write straight into the frame's buffer: no per-frame widget trees to build.

pub mod chart;
pub mod chart_time;
pub mod split_bar;
pub mod text;

pub use chart::{chart, Series};
pub use split_bar::split_bar;
pub use text::{fit, put, put_right, width, wrap, wrap_exact};
