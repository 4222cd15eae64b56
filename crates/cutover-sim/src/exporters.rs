//! Text rendering of the world in the exact exposition formats of the real exporters: the
//! families, label names and order, HELP/TYPE lines and number formatting each one writes
//! (checked against the captures of real software in the project's test fixtures).
//!
//! Every exporter formats numbers its own way, and parsers trip on exactly that, so each has its
//! formatter here: Go's `strconv` (`1.408104e+06`), Python's `repr` via prometheus_client
//! (`1764.0`, `1.7955521446304858e+09`), Erlang's shortest form (`3.5e-5`), HAProxy's integers
//! and `%f` (`0.004000`).

mod django;
mod fastapi;
mod haproxy;
mod haproxy_families;
mod kafka;
mod postgres;
mod rabbitmq;
mod rabbitmq_channels;
mod redis;
mod shadow;

use super::scenario::World;
use super::{Exporter, SourceSpec};

/// Renders the body `source` serves at the world's current virtual time.
pub(crate) fn render(world: &World, source: &SourceSpec) -> String {
    match source.exporter {
        Exporter::Haproxy => haproxy::render(world),
        Exporter::RabbitmqPerObject => rabbitmq::render(world),
        Exporter::RedisExporter => redis::render(world),
        Exporter::KafkaExporter => kafka::render(world),
        Exporter::PostgresExporter => postgres::render(world),
        Exporter::FastApi => match world.services.iter().find(|s| s.name == source.name) {
            Some(service) => fastapi::render(world, service),
            None => String::new(),
        },
        Exporter::Django => match world.services.iter().find(|s| s.name == source.name) {
            Some(service) => django::render(world, service),
            None => String::new(),
        },
    }
}

/// An exposition body under construction.
#[derive(Debug, Default)]
pub(crate) struct Body {
    out: String,
}

impl Body {
    pub(crate) fn new() -> Body {
        Body {
            out: String::with_capacity(32 * 1024),
        }
    }

    /// `# HELP` then `# TYPE`, as most exporters write them.
    pub(crate) fn family(&mut self, name: &str, kind: &str, help: &str) {
        self.out.push_str("# HELP ");
        self.out.push_str(name);
        self.out.push(' ');
        self.out.push_str(help);
        self.out.push_str("\n# TYPE ");
        self.out.push_str(name);
        self.out.push(' ');
        self.out.push_str(kind);
        self.out.push('\n');
    }

    /// `# TYPE` then `# HELP`, RabbitMQ's order.
    pub(crate) fn family_type_first(&mut self, name: &str, kind: &str, help: &str) {
        self.out.push_str("# TYPE ");
        self.out.push_str(name);
        self.out.push(' ');
        self.out.push_str(kind);
        self.out.push_str("\n# HELP ");
        self.out.push_str(name);
        self.out.push(' ');
        self.out.push_str(help);
        self.out.push('\n');
    }

    /// One sample line; labels are written in the order given, values escaped.
    pub(crate) fn sample(&mut self, name: &str, labels: &[(&str, &str)], value: &str) {
        self.out.push_str(name);
        if !labels.is_empty() {
            self.out.push('{');
            for (i, (k, v)) in labels.iter().enumerate() {
                if i > 0 {
                    self.out.push(',');
                }
                self.out.push_str(k);
                self.out.push_str("=\"");
                escape_label_value(&mut self.out, v);
                self.out.push('"');
            }
            self.out.push('}');
        }
        self.out.push(' ');
        self.out.push_str(value);
        self.out.push('\n');
    }

    pub(crate) fn raw(&mut self, text: &str) {
        self.out.push_str(text);
    }

    pub(crate) fn finish(self) -> String {
        self.out
    }
}

fn escape_label_value(out: &mut String, value: &str) {
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
}

/// Shortest round-trip decimal digits of a finite, non-zero |v| and the decimal exponent of the
/// first digit (v = d.ddd × 10^exp).
fn shortest_digits(v: f64) -> (String, i32) {
    let s = format!("{:e}", v.abs());
    let (mantissa, exp) = s.split_once('e').unwrap_or((s.as_str(), "0"));
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    (digits, exp.parse().unwrap_or(0))
}

/// Places `digits` (first digit at 10^exp) in plain decimal notation, without trailing zeros
/// after the point; `always_point` adds ".0" to integral values (Python style).
fn fixed_notation(digits: &str, exp: i32, always_point: bool) -> String {
    let mut out = String::new();
    if exp < 0 {
        out.push_str("0.");
        for _ in 0..(-exp - 1) {
            out.push('0');
        }
        out.push_str(digits);
        return out;
    }
    let int_len = exp as usize + 1;
    if digits.len() <= int_len {
        out.push_str(digits);
        for _ in digits.len()..int_len {
            out.push('0');
        }
        if always_point {
            out.push_str(".0");
        }
    } else {
        out.push_str(&digits[..int_len]);
        out.push('.');
        out.push_str(&digits[int_len..]);
    }
    out
}

fn mantissa(digits: &str) -> String {
    if digits.len() == 1 {
        digits.to_string()
    } else {
        format!("{}.{}", &digits[..1], &digits[1..])
    }
}

/// Go's `strconv.FormatFloat(v, 'g', -1, 64)` as client_golang writes sample values.
pub(crate) fn go_float(v: f64) -> String {
    if v.is_nan() {
        return "NaN".into();
    }
    if v.is_infinite() {
        return if v > 0.0 {
            "+Inf".into()
        } else {
            "-Inf".into()
        };
    }
    if v == 0.0 {
        return "0".into();
    }
    let sign = if v < 0.0 { "-" } else { "" };
    let (digits, exp) = shortest_digits(v);
    if !(-4..6).contains(&exp) {
        let e_sign = if exp < 0 { '-' } else { '+' };
        format!("{sign}{}e{e_sign}{:02}", mantissa(&digits), exp.abs())
    } else {
        format!("{sign}{}", fixed_notation(&digits, exp, false))
    }
}

/// Python's `repr(float)`.
fn python_repr(v: f64) -> String {
    if v == 0.0 {
        return if v.is_sign_negative() {
            "-0.0".into()
        } else {
            "0.0".into()
        };
    }
    let sign = if v < 0.0 { "-" } else { "" };
    let (digits, exp) = shortest_digits(v);
    if !(-4..16).contains(&exp) {
        let e_sign = if exp < 0 { '-' } else { '+' };
        format!("{sign}{}e{e_sign}{:02}", mantissa(&digits), exp.abs())
    } else {
        format!("{sign}{}", fixed_notation(&digits, exp, true))
    }
}

/// prometheus_client's `floatToGoString`: Python's repr, switched to an exponent sooner (and
/// with its quirky `e+0N` exponent) for large positive values.
pub(crate) fn python_float(v: f64) -> String {
    if v.is_nan() {
        return "NaN".into();
    }
    if v.is_infinite() {
        return if v > 0.0 {
            "+Inf".into()
        } else {
            "-Inf".into()
        };
    }
    let s = python_repr(v);
    if let Some(dot) = s.find('.') {
        if v > 0.0 && dot > 6 {
            let mantissa = format!("{}.{}{}", &s[..1], &s[1..dot], &s[dot + 1..]);
            let mantissa = mantissa.trim_end_matches(['0', '.']);
            return format!("{mantissa}e+0{}", dot - 1);
        }
    }
    s
}

/// Erlang's shortest float text as RabbitMQ's exporter prints it: whichever of plain and
/// scientific notation is shorter (`0.0624`, `3.5e-5`, `113.171`).
pub(crate) fn erlang_float(v: f64) -> String {
    if v.is_nan() {
        return "NaN".into();
    }
    if v == 0.0 {
        return "0.0".into();
    }
    let sign = if v < 0.0 { "-" } else { "" };
    let (digits, exp) = shortest_digits(v);
    let fixed = fixed_notation(&digits, exp, true);
    let mant = if digits.len() == 1 {
        format!("{digits}.0")
    } else {
        mantissa(&digits)
    };
    let scientific = format!("{mant}e{exp}");
    if scientific.len() < fixed.len() {
        format!("{sign}{scientific}")
    } else {
        format!("{sign}{fixed}")
    }
}

/// HAProxy prints durations with `%f`.
pub(crate) fn haproxy_seconds(v: f64) -> String {
    format!("{v:.6}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_formatting_matches_client_golang() {
        // Values seen in the redis_exporter capture.
        assert_eq!(go_float(2_638_752.0), "2.638752e+06");
        assert_eq!(go_float(4_096_000.0), "4.096e+06");
        assert_eq!(go_float(1.764_000_000_12e12), "1.76400000012e+12");
        assert_eq!(go_float(2.8162e-05), "2.8162e-05");
        assert_eq!(go_float(0.000_131_666), "0.000131666");
        assert_eq!(go_float(107.314), "107.314");
        assert_eq!(go_float(500.0), "500");
        assert_eq!(go_float(20000.0), "20000");
        assert_eq!(go_float(0.0), "0");
        assert_eq!(go_float(-1.0), "-1");
        assert_eq!(go_float(f64::NAN), "NaN");
        assert_eq!(
            go_float(1.844_674_407_370_955_2e19),
            "1.8446744073709552e+19"
        );
    }

    #[test]
    fn python_formatting_matches_prometheus_client() {
        // Values seen in the FastAPI capture.
        assert_eq!(python_float(1764.0), "1764.0");
        assert_eq!(python_float(151_314_432.0), "1.51314432e+08");
        assert_eq!(python_float(69_545_984.0), "6.9545984e+07");
        assert_eq!(python_float(1_795_552_143.78), "1.79555214378e+09");
        assert_eq!(
            python_float(1_795_552_144.630_485_8),
            "1.7955521446304858e+09"
        );
        assert_eq!(python_float(2.199_999_999_999_999_7), "2.1999999999999997");
        assert_eq!(python_float(0.009_384_893_995_957_1), "0.0093848939959571");
        assert_eq!(python_float(20000.0), "20000.0");
        assert_eq!(python_float(0.0), "0.0");
        assert_eq!(python_float(f64::INFINITY), "+Inf");
        assert_eq!(python_float(1.0), "1.0");
        assert_eq!(python_float(0.1), "0.1");
        // Python repr switches to an exponent below 1e-4.
        assert_eq!(python_float(1.5e-5), "1.5e-05");
    }

    #[test]
    fn erlang_formatting_matches_rabbitmq() {
        // Values seen in the RabbitMQ capture.
        assert_eq!(erlang_float(3.5e-5), "3.5e-5");
        assert_eq!(erlang_float(1.9e-4), "1.9e-4");
        assert_eq!(erlang_float(0.0624), "0.0624");
        assert_eq!(erlang_float(113.171), "113.171");
        assert_eq!(
            erlang_float(0.424_410_330_207_750_54),
            "0.42441033020775054"
        );
        assert_eq!(erlang_float(1.0), "1.0");
    }

    #[test]
    fn label_values_are_escaped() {
        let mut body = Body::new();
        body.sample("m", &[("handler", "/a/{id}"), ("q", "say \"hi\"\\")], "1");
        assert_eq!(
            body.finish(),
            "m{handler=\"/a/{id}\",q=\"say \\\"hi\\\"\\\\\"} 1\n"
        );
    }
}
