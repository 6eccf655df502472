//! From words to rows: the words whose boxes share a row make a line, and
//! a wide gap in a line parts a label from its value.

use super::ocr::{Region, Word};

/// Words that stand together on a line: a label, a value, a bubble's text.
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    pub text: String,
    pub region: Region,
    /// The least sure of its words (0–100).
    pub confidence: f32,
    /// Its words, left to right.
    pub words: Vec<Word>,
}

/// One row of the screen, its cells from left to right.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub cells: Vec<Cell>,
    pub region: Region,
}

impl Line {
    pub fn text(&self) -> String {
        self.cells
            .iter()
            .map(|c| c.text.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// Puts `words` in rows, top to bottom; the phone's status bar (clock,
/// signal, battery at the very top) is left out.
pub fn lines(words: &[Word], width: u32) -> Vec<Line> {
    let mut sorted: Vec<&Word> = words.iter().filter(|w| w.region.h > 0).collect();
    sorted.sort_by_key(|w| (w.region.y + w.region.h / 2, w.region.x));
    let mut rows: Vec<Vec<&Word>> = Vec::new();
    for word in sorted {
        let mid = word.region.y + word.region.h / 2;
        // A word belongs to the last row when its middle is inside that
        // row's height (Chinese and Latin boxes differ in height).
        match rows.last_mut() {
            Some(row)
                if row
                    .iter()
                    .any(|w| mid >= w.region.y && mid <= w.region.bottom()) =>
            {
                row.push(word)
            }
            _ => rows.push(vec![word]),
        }
    }
    rows.into_iter()
        .map(|mut row| {
            row.sort_by_key(|w| w.region.x);
            line(&row)
        })
        .filter(|l| !status_bar(l, width))
        .collect()
}

/// The words of one row, split into cells where the gap is wider than
/// about one and a half characters.
fn line(row: &[&Word]) -> Line {
    let height = {
        let mut hs: Vec<u32> = row.iter().map(|w| w.region.h).collect();
        hs.sort_unstable();
        hs[hs.len() / 2].max(1)
    };
    let mut cells: Vec<Cell> = Vec::new();
    let mut last_right: Option<u32> = None;
    for w in row {
        let gap = last_right.map(|r| w.region.x.saturating_sub(r));
        match (cells.last_mut(), gap) {
            (Some(cell), Some(gap)) if gap * 2 <= height * 3 => {
                if needs_space(&cell.text, &w.text) && gap * 4 > height {
                    cell.text.push(' ');
                }
                cell.text.push_str(&w.text);
                cell.region = cell.region.union(&w.region);
                cell.confidence = cell.confidence.min(w.confidence);
                cell.words.push((*w).clone());
            }
            _ => cells.push(Cell {
                text: w.text.clone(),
                region: w.region,
                confidence: w.confidence,
                words: vec![(*w).clone()],
            }),
        }
        last_right = Some(last_right.map_or(w.region.right(), |r| r.max(w.region.right())));
    }
    let region = cells
        .iter()
        .skip(1)
        .fold(cells[0].region, |r, c| r.union(&c.region));
    Line { cells, region }
}

/// A space only between two Latin words or numbers (`DOU+ 上热门` stays
/// `DOU+上热门`, `2026 年` is `2026年`, `20:30:19 PM` keeps its space).
fn needs_space(before: &str, after: &str) -> bool {
    let (Some(a), Some(b)) = (before.chars().last(), after.chars().next()) else {
        return false;
    };
    a.is_ascii_alphanumeric() && b.is_ascii_alphanumeric()
}

/// The clock, signal and battery row at the top of the screen.
fn status_bar(line: &Line, width: u32) -> bool {
    if line.region.y > width / 8 {
        return false;
    }
    let text = line.text();
    let clock = text.split_whitespace().any(|w| {
        let w = w.trim_end_matches(|c: char| !c.is_ascii_digit());
        w.len() >= 4
            && w.len() <= 5
            && w.contains(':')
            && w.chars().all(|c| c.is_ascii_digit() || c == ':')
    });
    clock || text.contains('%')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(text: &str, x: u32, y: u32, width: u32, h: u32) -> Word {
        Word {
            text: text.into(),
            region: Region { x, y, w: width, h },
            confidence: 90.0,
        }
    }

    #[test]
    fn labels_and_values_on_one_row_are_two_cells() {
        let words = vec![
            w("20:31", 50, 35, 103, 31),
            w("86%", 948, 34, 83, 32),
            w("当前", 61, 614, 92, 39),
            w("状态", 156, 613, 65, 39),
            w("支付", 358, 613, 164, 40),
            w("成功", 458, 607, 60, 62),
            w("2026", 358, 708, 214, 40),
            w("年", 468, 704, 42, 54),
            w("11", 509, 704, 48, 54),
            w("支付", 58, 709, 92, 39),
            w("时间", 159, 704, 60, 60),
            w("20:30:19", 680, 712, 159, 33),
        ];
        let lines = lines(&words, 1080);
        let texts: Vec<Vec<&str>> = lines
            .iter()
            .map(|l| l.cells.iter().map(|c| c.text.as_str()).collect())
            .collect();
        assert_eq!(
            texts,
            vec![
                vec!["当前状态", "支付成功"],
                vec!["支付时间", "2026年11", "20:30:19"]
            ],
            "the status bar is gone, labels are apart from values"
        );
    }
}
