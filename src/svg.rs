//! A tiny SVG writer: rectangles, lines, polylines and text, nothing else.
//!
//! corolab draws two kinds of pictures, timelines ([`crate::trace`]) and
//! bench charts (`corolab bench --out`), and both are only boxes, lines and
//! labels. Writing those elements by hand keeps the pictures dependency-free
//! and readable as text: a plotting crate would bring font handling (its SVG
//! backend still measures text) for charts that need none, since an SVG
//! viewer lays out text itself.
//!
//! ```
//! use corolab::svg::Svg;
//!
//! let mut svg = Svg::new(120.0, 40.0);
//! svg.rect(10.0, 10.0, 50.0, 20.0, "#4caf50", Some("running 5 ms"));
//! svg.text(70.0, 25.0, "ping & pong", "start", 12.0);
//! let text = svg.finish();
//! assert!(text.starts_with("<svg"));
//! assert!(text.contains("ping &amp; pong"));
//! ```
#![forbid(unsafe_code)]

use std::fmt::Write;

/// An SVG document being written, element by element, in paint order.
#[derive(Debug)]
pub struct Svg {
    out: String,
}

impl Svg {
    /// Starts a `width` × `height` picture on a white background.
    pub fn new(width: f64, height: f64) -> Svg {
        let mut out = String::new();
        let _ = writeln!(
            out,
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="sans-serif">"#,
            w = num(width),
            h = num(height),
        );
        let _ = writeln!(out, r#"<rect width="100%" height="100%" fill="white"/>"#);
        Svg { out }
    }

    /// A filled rectangle; `title` becomes its tooltip.
    pub fn rect(&mut self, x: f64, y: f64, w: f64, h: f64, fill: &str, title: Option<&str>) {
        let _ = write!(
            self.out,
            r#"<rect x="{}" y="{}" width="{}" height="{}" fill="{}""#,
            num(x),
            num(y),
            num(w.max(0.0)),
            num(h.max(0.0)),
            escape(fill)
        );
        match title {
            Some(t) => {
                let _ = writeln!(self.out, "><title>{}</title></rect>", escape(t));
            }
            None => self.out.push_str("/>\n"),
        }
    }

    /// A straight line.
    pub fn line(&mut self, x1: f64, y1: f64, x2: f64, y2: f64, stroke: &str) {
        let _ = writeln!(
            self.out,
            r#"<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}"/>"#,
            num(x1),
            num(y1),
            num(x2),
            num(y2),
            escape(stroke)
        );
    }

    /// A polyline through `points`, with a dot on each.
    pub fn polyline(&mut self, points: &[(f64, f64)], stroke: &str) {
        let list: Vec<String> = points.iter().map(|(x, y)| format!("{},{}", num(*x), num(*y))).collect();
        let _ = writeln!(
            self.out,
            r#"<polyline points="{}" fill="none" stroke="{}" stroke-width="2"/>"#,
            list.join(" "),
            escape(stroke)
        );
        for (x, y) in points {
            let _ = writeln!(
                self.out,
                r#"<circle cx="{}" cy="{}" r="3" fill="{}"/>"#,
                num(*x),
                num(*y),
                escape(stroke)
            );
        }
    }

    /// Text at (`x`, `y`), its baseline at `y`; `anchor` is `start`,
    /// `middle` or `end`.
    pub fn text(&mut self, x: f64, y: f64, text: &str, anchor: &str, size: f64) {
        let _ = writeln!(
            self.out,
            r#"<text x="{}" y="{}" text-anchor="{}" font-size="{}">{}</text>"#,
            num(x),
            num(y),
            escape(anchor),
            num(size),
            escape(text)
        );
    }

    /// Closes the document and returns its text.
    pub fn finish(mut self) -> String {
        self.out.push_str("</svg>\n");
        self.out
    }
}

/// A coordinate with at most two decimals, without trailing zeros.
fn num(x: f64) -> String {
    let x = if x.is_finite() { x } else { 0.0 };
    let s = format!("{x:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// Escapes the five characters XML reserves.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// A minimal well-formedness check, for tests: every tag opened is closed in
/// order, attributes are quoted, and text holds no bare `<` or `&`. Returns
/// the element names in document order, or where the document is broken.
pub fn check_well_formed(doc: &str) -> Result<Vec<String>, String> {
    let mut names = Vec::new();
    let mut open: Vec<String> = Vec::new();
    let mut rest = doc;
    while let Some(start) = rest.find('<') {
        check_text(&rest[..start])?;
        let end = rest[start..].find('>').ok_or("a tag is never closed with '>'")? + start;
        let tag = &rest[start + 1..end];
        rest = &rest[end + 1..];
        if let Some(name) = tag.strip_prefix('/') {
            match open.pop() {
                Some(o) if o == name => {}
                other => return Err(format!("</{name}> closes {other:?}")),
            }
            continue;
        }
        let self_closing = tag.ends_with('/');
        let tag = tag.trim_end_matches('/');
        let name = tag.split_whitespace().next().ok_or("an empty tag")?.to_string();
        check_attributes(&tag[name.len()..])?;
        names.push(name.clone());
        if !self_closing {
            open.push(name);
        }
    }
    check_text(rest)?;
    match open.pop() {
        None => Ok(names),
        Some(name) => Err(format!("<{name}> is never closed")),
    }
}

fn check_text(text: &str) -> Result<(), String> {
    for (i, _) in text.match_indices('&') {
        let entity = text[i..].split(';').next().unwrap_or_default();
        if !["&amp", "&lt", "&gt", "&quot", "&apos"].contains(&entity) {
            return Err(format!("a bare '&' in {text:?}"));
        }
    }
    Ok(())
}

fn check_attributes(mut attrs: &str) -> Result<(), String> {
    loop {
        attrs = attrs.trim_start();
        if attrs.is_empty() {
            return Ok(());
        }
        let eq = attrs.find('=').ok_or_else(|| format!("an attribute without a value: {attrs:?}"))?;
        let value =
            attrs[eq + 1..].strip_prefix('"').ok_or_else(|| format!("an unquoted value: {attrs:?}"))?;
        let close = value.find('"').ok_or("an attribute value is never closed")?;
        check_text(&value[..close])?;
        if value[..close].contains('<') {
            return Err(format!("a '<' inside an attribute: {attrs:?}"));
        }
        attrs = &value[close + 1..];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn written_documents_are_well_formed_and_escaped() {
        let mut svg = Svg::new(100.0, 50.0);
        svg.rect(0.0, 0.0, 10.0, 10.0, "red", Some("a <b> & \"c\""));
        svg.line(0.0, 0.0, 1.0, 1.0, "black");
        svg.polyline(&[(0.0, 0.0), (5.0, 5.0)], "blue");
        svg.text(1.0, 2.0, "x < y", "start", 10.0);
        let doc = svg.finish();
        let names = check_well_formed(&doc).unwrap();
        assert_eq!(names, ["svg", "rect", "rect", "title", "line", "polyline", "circle", "circle", "text"]);
    }

    #[test]
    fn the_checker_catches_broken_documents() {
        assert!(check_well_formed("<svg><rect></svg>").is_err());
        assert!(check_well_formed("<svg><text>a & b</text></svg>").is_err());
        assert!(check_well_formed(r#"<svg width=3></svg>"#).is_err());
        assert!(check_well_formed("<svg>").is_err());
    }

    #[test]
    fn numbers_are_short() {
        assert_eq!(num(1.0), "1");
        assert_eq!(num(1.256), "1.26");
        assert_eq!(num(f64::NAN), "0");
    }
}
