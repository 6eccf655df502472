//! The words on a screenshot, read on this computer.
//!
//! The engine is behind [`Engine`] so that a platform may bring its own;
//! [`Tesseract`] is the system's Tesseract 5 with the simplified Chinese
//! and English models. Nothing is sent anywhere.

use image::{DynamicImage, ImageReader, Limits};

use super::super::EvidenceError;

/// A screenshot is at most this many pixels (a long scrolling capture of
/// a 1290 px wide phone is about 25 million).
pub const MAX_PIXELS: u64 = 40_000_000;

/// A screenshot, in grey, dark text on a light ground.
pub struct Page {
    pub width: u32,
    pub height: u32,
    /// One byte a pixel, row after row.
    pub grey: Vec<u8>,
    /// The screen was dark (dark mode) and was inverted for reading.
    pub inverted: bool,
}

/// A rectangle of the screenshot, in its pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, ts_rs::TS)]
pub struct Region {
    pub x: u32,
    pub y: u32,
    pub w: u32,
    pub h: u32,
}

impl Region {
    pub fn right(&self) -> u32 {
        self.x + self.w
    }
    pub fn bottom(&self) -> u32 {
        self.y + self.h
    }
    /// The smallest region holding both.
    pub fn union(&self, o: &Region) -> Region {
        let (x, y) = (self.x.min(o.x), self.y.min(o.y));
        Region {
            x,
            y,
            w: self.right().max(o.right()) - x,
            h: self.bottom().max(o.bottom()) - y,
        }
    }
}

/// One word the engine read, with where it is and how sure it is (0–100).
#[derive(Debug, Clone, PartialEq)]
pub struct Word {
    pub text: String,
    pub region: Region,
    pub confidence: f32,
}

/// Reads the words of a page.
pub trait Engine {
    fn words(&self, page: &Page) -> Result<Vec<Word>, EvidenceError>;
}

/// Decodes a PNG, JPEG or WebP screenshot into a [`Page`]: grey, and
/// inverted when the screen is dark, so the engine always reads dark on
/// light.
pub fn page(bytes: &[u8]) -> Result<Page, EvidenceError> {
    let mut reader = ImageReader::new(std::io::Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|_| EvidenceError::DamagedImage)?;
    let mut limits = Limits::default();
    limits.max_alloc = Some(MAX_PIXELS * 4);
    reader.limits(limits);
    let (width, height) = reader
        .into_dimensions()
        .map_err(|_| EvidenceError::DamagedImage)?;
    if u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(EvidenceError::ImageTooLarge { width, height });
    }
    let mut reader = ImageReader::new(std::io::Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|_| EvidenceError::DamagedImage)?;
    let mut limits = Limits::default();
    limits.max_alloc = Some(MAX_PIXELS * 4);
    reader.limits(limits);
    let image: DynamicImage = reader.decode().map_err(|_| EvidenceError::DamagedImage)?;
    let mut grey = image.into_luma8().into_raw();
    let total: u64 = grey.iter().map(|&b| u64::from(b)).sum();
    let inverted = !grey.is_empty() && total / (grey.len() as u64) < 110;
    if inverted {
        // Light text on dark is thin once inverted: the grey is stretched
        // so its darkest text is black and its ground white.
        let mut counts = [0u64; 256];
        for &b in &grey {
            counts[usize::from(255 - b)] += 1;
        }
        let n = grey.len() as u64;
        let level = |share: u64| {
            let mut seen = 0;
            (0..=255u8)
                .find(|&v| {
                    seen += counts[usize::from(v)];
                    seen * 100 >= n * share
                })
                .unwrap_or(255)
        };
        let (lo, hi) = (
            u32::from(level(1)),
            u32::from(level(90)).max(u32::from(level(1)) + 1),
        );
        for b in &mut grey {
            let v = u32::from(255 - *b).clamp(lo, hi);
            *b = u8::try_from((v - lo) * 255 / (hi - lo)).unwrap_or(255);
        }
    }
    Ok(Page {
        width,
        height,
        grey,
        inverted,
    })
}

/// The system's Tesseract 5, simplified Chinese with English.
pub struct Tesseract {
    languages: &'static str,
}

impl Default for Tesseract {
    fn default() -> Self {
        Tesseract {
            languages: "chi_sim+eng",
        }
    }
}

impl Engine for Tesseract {
    fn words(&self, page: &Page) -> Result<Vec<Word>, EvidenceError> {
        one_thread();
        let unavailable = || EvidenceError::OcrUnavailable;
        let mut api =
            tesseract::Tesseract::new(None, Some(self.languages)).map_err(|_| unavailable())?;
        // Screens are two columns of labels and values, bubbles and
        // buttons, not running text: every word is found on its own and
        // put in rows by `layout`.
        api.set_page_seg_mode(tesseract::PageSegMode::PsmSparseText);
        let width = i32::try_from(page.width).map_err(|_| EvidenceError::DamagedImage)?;
        let height = i32::try_from(page.height).map_err(|_| EvidenceError::DamagedImage)?;
        let mut api = api
            .set_frame(&page.grey, width, height, 1, width)
            .map_err(|_| EvidenceError::DamagedImage)?
            // Phone screens are dense; told nothing, the engine guesses and
            // says so on standard error.
            .set_source_resolution(300)
            .recognize()
            .map_err(|_| unavailable())?;
        let tsv = api.get_tsv_text(0).map_err(|_| unavailable())?;
        let mut words = parse_tsv(&tsv);

        // A short word read unsure on its own (`零钱` as `SK`) is read
        // again as one line of its box, with room around it.
        api.set_page_seg_mode(tesseract::PageSegMode::PsmSingleLine);
        for word in words.iter_mut().filter(|w| w.confidence < UNSURE) {
            let (across, up) = (word.region.h / 8, word.region.h / 3);
            let (x, y) = (
                word.region.x.saturating_sub(across),
                word.region.y.saturating_sub(up),
            );
            let w = (word.region.right() + across).min(page.width) - x;
            let h = (word.region.bottom() + up).min(page.height) - y;
            let as_i32 = |v: u32| i32::try_from(v).unwrap_or(i32::MAX);
            api = api
                .set_rectangle(as_i32(x), as_i32(y), as_i32(w), as_i32(h))
                .recognize()
                .map_err(|_| unavailable())?;
            let confidence = api.mean_text_conf() as f32;
            let text = api.get_text().map_err(|_| unavailable())?;
            let text: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
            // Only a surer reading of the same word: not one that took in
            // its neighbour.
            let same = !text.is_empty() && text.chars().count() <= word.text.chars().count();
            if same && confidence > word.confidence + 10.0 {
                word.text = text;
                word.confidence = confidence;
            }
        }
        Ok(words)
    }
}

/// Below this confidence a word is read a second time.
const UNSURE: f32 = 75.0;

/// The engine's table of words: level, page, block, paragraph, line, word,
/// left, top, width, height, confidence, text. Only words (level 5) with
/// text are kept.
pub fn parse_tsv(tsv: &str) -> Vec<Word> {
    tsv.lines()
        .filter_map(|line| {
            let f: Vec<&str> = line.split('\t').collect();
            if f.len() < 12 || f[0] != "5" {
                return None;
            }
            let text = f[11].trim();
            if text.is_empty() {
                return None;
            }
            let n = |i: usize| f[i].parse::<u32>().ok();
            Some(Word {
                text: text.to_owned(),
                region: Region {
                    x: n(6)?,
                    y: n(7)?,
                    w: n(8)?,
                    h: n(9)?,
                },
                confidence: f[10].parse().unwrap_or(0.0),
            })
        })
        .collect()
}

/// Debian's Tesseract runs its networks on OpenMP threads; on a small
/// machine that makes a screenshot four times slower than one thread
/// (measured: 3.5 s against 0.7 s on 2 cores). No parallel region is
/// made active, for the whole process (the library reads nothing else
/// with OpenMP).
#[cfg(target_os = "linux")]
fn one_thread() {
    #[link(name = "gomp")]
    unsafe extern "C" {
        fn omp_set_max_active_levels(levels: std::os::raw::c_int);
    }
    // SAFETY: sets one integer of the OpenMP runtime; no other state.
    unsafe { omp_set_max_active_levels(0) };
}

#[cfg(not(target_os = "linux"))]
fn one_thread() {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_engines_table_gives_words_with_their_boxes() {
        let tsv = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext\n\
                   4\t1\t1\t1\t1\t0\t61\t613\t160\t39\t-1\t\n\
                   5\t1\t1\t1\t1\t1\t61\t614\t92\t39\t96.575089\t当前\n\
                   5\t1\t1\t1\t1\t2\t156\t613\t65\t39\t96.852936\t状态\n\
                   5\t1\t1\t1\t1\t3\t156\t613\t65\t39\t95\t \n";
        let words = parse_tsv(tsv);
        assert_eq!(words.len(), 2, "lines and empty words are not words");
        assert_eq!(words[0].text, "当前");
        assert_eq!(
            words[0].region,
            Region {
                x: 61,
                y: 614,
                w: 92,
                h: 39
            }
        );
        assert!(words[1].confidence > 96.0);
    }

    #[test]
    fn a_dark_screen_is_read_inverted() {
        let mut png = Vec::new();
        let img =
            image::GrayImage::from_fn(40, 20, |x, _| image::Luma([if x < 4 { 230 } else { 20 }]));
        DynamicImage::ImageLuma8(img)
            .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
            .unwrap();
        let dark = page(&png).unwrap();
        assert!(dark.inverted);
        assert_eq!((dark.width, dark.height), (40, 20));
        assert_eq!(dark.grey[10], 255, "dark ground becomes white");
        assert_eq!(dark.grey[0], 0, "light text becomes black");
        assert!(matches!(
            page(b"\x89PNG\r\n\x1a\nrest"),
            Err(EvidenceError::DamagedImage)
        ));
    }
}
