//! The firmware's machine-readable lines: `RESULT train ram_bytes=33136 ...`,
//! `BENCH model=sine macs=288 ...`, `LAYER name=DS-CNN conv 10x4, 1->64, stride 2 macs=...`.
//!
//! A line is a tag, then words; a word `key=value` starts a field, and words without `=` continue
//! the value before them (so a layer's name may contain spaces).

/// One parsed line: its tag and words before the first field, and its fields in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// The words before the first `key=value` (`RESULT train` gives `["RESULT", "train"]`).
    pub head: Vec<String>,
    fields: Vec<(String, String)>,
}

impl Line {
    /// Parses `line` (surrounding whitespace ignored).
    pub fn parse(line: &str) -> Line {
        let mut head = Vec::new();
        let mut fields: Vec<(String, String)> = Vec::new();
        for word in line.split_whitespace() {
            match word.split_once('=') {
                Some((key, value)) if is_key(key) => fields.push((key.into(), value.into())),
                _ => match fields.last_mut() {
                    Some((_, value)) => {
                        value.push(' ');
                        value.push_str(word);
                    }
                    None => head.push(word.into()),
                },
            }
        }
        Line { head, fields }
    }

    /// The first line of `output` whose words start with `head` (e.g. `["RESULT", "train"]`).
    pub fn find(output: &str, head: &[&str]) -> Option<Line> {
        Line::all(output, head).into_iter().next()
    }

    /// Every line of `output` whose words start with `head`, in order.
    pub fn all(output: &str, head: &[&str]) -> Vec<Line> {
        output
            .lines()
            .filter(|l| {
                let words: Vec<&str> = l.split_whitespace().take(head.len()).collect();
                words == head
            })
            .map(Line::parse)
            .collect()
    }

    /// The value of field `key`.
    pub fn get(&self, key: &str) -> Result<&str, String> {
        self.fields
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .ok_or_else(|| format!("`{}` has no field {key}", self.head.join(" ")))
    }

    /// The value of field `key` as a whole number.
    pub fn num(&self, key: &str) -> Result<u64, String> {
        let v = self.get(key)?;
        v.parse()
            .map_err(|_| format!("`{}`: {key}={v} is not a number", self.head.join(" ")))
    }
}

/// Keys are identifiers: letters, digits and `_`, not starting with a digit.
fn is_key(key: &str) -> bool {
    let mut chars = key.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn result_line() {
        let l = Line::parse("RESULT train ram_bytes=33136 trainer_size=23024 step_stack=5392\n");
        assert_eq!(l.head, ["RESULT", "train"]);
        assert_eq!(l.num("ram_bytes"), Ok(33136));
        assert_eq!(l.get("step_stack"), Ok("5392"));
        assert_eq!(
            l.get("statics"),
            Err("`RESULT train` has no field statics".into())
        );
    }

    #[test]
    fn value_with_spaces_and_symbols() {
        let l = Line::parse("LAYER name=DS-CNN conv 10x4, 1->64, stride 2 macs=320000 work=1");
        assert_eq!(l.get("name"), Ok("DS-CNN conv 10x4, 1->64, stride 2"));
        assert_eq!(l.num("macs"), Ok(320000));
        // `1->64,` has no `=`; a word like `a=b=c` is the key `a` with value `b=c`.
        assert_eq!(Line::parse("X k=a=b").get("k"), Ok("a=b"));
        // Not a key: a word that starts with a digit stays in the value.
        assert_eq!(Line::parse("X k=v 2=3").get("k"), Ok("v 2=3"));
    }

    #[test]
    fn not_a_number() {
        let l = Line::parse("BENCH model=sine macs=28x");
        assert_eq!(
            l.num("macs"),
            Err("`BENCH`: macs=28x is not a number".into())
        );
    }

    #[test]
    fn find_in_output() {
        let out =
            "boot\nRESULT ram statics=8\nRESULT train ram_bytes=1\n  RESULT train x=2\nPASS\n";
        assert_eq!(
            Line::find(out, &["RESULT", "train"])
                .unwrap()
                .num("ram_bytes"),
            Ok(1)
        );
        assert_eq!(Line::all(out, &["RESULT", "train"]).len(), 2);
        assert_eq!(Line::find(out, &["RESULT", "gesture_train"]), None);
        // The tag must be whole words: `RESULTS` is not `RESULT`.
        assert!(Line::find("RESULTS a=1", &["RESULT"]).is_none());
    }
}
