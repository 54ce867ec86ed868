//! Runs every ```python snippet of `docs/guide.md` with the pyfory 1.7.7 venv and checks that it
//! prints exactly the lines written after `# prints:` in the snippet. The guide's Rust doc-tests
//! (`foryjit::guide`) assert the same hex, so the two sides of each interop example are tied to
//! one payload.

use foryjit_tests::peer::python_path;
use std::io::Write;
use std::process::{Command, Stdio};

/// The ```python blocks of the guide, each with the line number of its opening fence.
fn python_blocks(text: &str) -> Vec<(usize, String)> {
    let mut blocks = Vec::new();
    let mut current: Option<(usize, String)> = None;
    for (i, line) in text.lines().enumerate() {
        match &mut current {
            None if line.trim_start().starts_with("```python") => {
                current = Some((i + 1, String::new()))
            }
            None => {}
            Some(_) if line.trim_start().starts_with("```") => blocks.extend(current.take()),
            Some((_, body)) => {
                body.push_str(line);
                body.push('\n');
            }
        }
    }
    blocks
}

#[test]
fn guide_python_snippets_print_what_they_say() {
    let path = foryjit_tests::repo_root().join("docs/guide.md");
    let text = std::fs::read_to_string(&path).expect("read docs/guide.md");
    let blocks = python_blocks(&text);
    assert!(blocks.len() >= 3, "expected the guide's python snippets, found {}", blocks.len());
    let python = python_path().unwrap_or_else(|e| panic!("{e}"));
    for (line, body) in blocks {
        let expected: Vec<&str> = body
            .lines()
            .filter_map(|l| l.trim().strip_prefix("# prints:"))
            .map(str::trim)
            .collect();
        assert!(!expected.is_empty(), "guide.md:{line}: snippet has no `# prints:` line");
        let mut child = Command::new(&python)
            .arg("-")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start python");
        child.stdin.take().unwrap().write_all(body.as_bytes()).unwrap();
        let out = child.wait_with_output().expect("run python");
        assert!(
            out.status.success(),
            "guide.md:{line}: python failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let stdout = String::from_utf8_lossy(&out.stdout);
        let got: Vec<&str> = stdout.lines().map(str::trim).collect();
        assert_eq!(got, expected, "guide.md:{line}: printed lines differ");
    }
}
