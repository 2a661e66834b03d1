//! Picture processing: the type from the bytes, decoding within limits, orientation, a
//! metadata-free original, WebP variants, a placeholder and a dominant colour. Pure and
//! blocking: handlers run it on the media workers.

use std::io::{BufRead, Seek};

use image::codecs::gif::GifEncoder;
use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::codecs::webp::WebPEncoder;
use image::imageops::FilterType;
use image::metadata::Orientation;
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};
use serde::{Deserialize, Serialize};

/// Widths of the WebP variants; none is wider than its original.
pub const WIDTHS: [u32; 5] = [320, 640, 1024, 1600, 2400];

/// WebP quality of the variants (0 to 100).
const WEBP_QUALITY: f32 = 80.0;

/// JPEG quality of an original that had to be re-encoded (turned upright).
const JPEG_QUALITY: u8 = 90;

/// Side of the picture a placeholder is computed from (ThumbHash takes at most 100).
const PLACEHOLDER_SIDE: u32 = 64;

/// What accepted pictures are.
pub const ACCEPTED: &str = "JPEG, PNG, WebP or GIF";

/// A picture format the library takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Jpeg,
    Png,
    WebP,
    Gif,
}

impl Format {
    /// The format the first bytes of a file show, or why it is refused.
    pub fn sniff(head: &[u8]) -> Result<Self, Refused> {
        if head.starts_with(&[0xFF, 0xD8, 0xFF]) {
            return Ok(Self::Jpeg);
        }
        if head.starts_with(b"\x89PNG\r\n\x1a\n") {
            return Ok(Self::Png);
        }
        if head.starts_with(b"GIF87a") || head.starts_with(b"GIF89a") {
            return Ok(Self::Gif);
        }
        if head.len() >= 12 && &head[..4] == b"RIFF" && &head[8..12] == b"WEBP" {
            return Ok(Self::WebP);
        }
        if head.len() >= 12 && &head[4..8] == b"ftyp" {
            let brands = &head[8..head.len().min(64)];
            if brands.chunks(4).any(|b| b == b"avif" || b == b"avis") {
                return Err(Refused::Type(format!(
                    "AVIF pictures can't be decoded by this server; send a {ACCEPTED} picture"
                )));
            }
        }
        Err(Refused::Type(format!(
            "the file is not a {ACCEPTED} picture (its content decides, not its name or type; \
             SVG is refused)"
        )))
    }

    /// The format's media type.
    pub fn mime(self) -> &'static str {
        match self {
            Self::Jpeg => "image/jpeg",
            Self::Png => "image/png",
            Self::WebP => "image/webp",
            Self::Gif => "image/gif",
        }
    }

    /// The format of a stored original's media type.
    pub fn of_mime(mime: &str) -> Option<Self> {
        [Self::Jpeg, Self::Png, Self::WebP, Self::Gif]
            .into_iter()
            .find(|format| format.mime() == mime)
    }

    /// The file extension of stored originals.
    pub fn extension(self) -> &'static str {
        match self {
            Self::Jpeg => "jpg",
            Self::Png => "png",
            Self::WebP => "webp",
            Self::Gif => "gif",
        }
    }

    fn image_format(self) -> ImageFormat {
        match self {
            Self::Jpeg => ImageFormat::Jpeg,
            Self::Png => ImageFormat::Png,
            Self::WebP => ImageFormat::WebP,
            Self::Gif => ImageFormat::Gif,
        }
    }
}

/// Why a picture is refused.
#[derive(Debug, PartialEq, Eq)]
pub enum Refused {
    /// Not a format the library takes (415).
    Type(String),
    /// Too many pixels, or bytes that don't decode (422).
    Picture(String),
}

/// One stored variant of a picture.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Variant {
    pub width: u32,
    pub height: u32,
    pub mime: String,
    /// Where the file is stored.
    pub key: String,
}

/// What is made from a picture besides its original, as stored with it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Renditions {
    /// ThumbHash, base64.
    pub placeholder: String,
    /// Average colour, `#rrggbb`.
    pub color: String,
    /// The WebP variants, narrowest first.
    pub variants: Vec<Variant>,
}

/// A processed picture: what is stored and what describes it.
pub struct Processed {
    pub format: Format,
    /// Upright size.
    pub width: u32,
    pub height: u32,
    /// The original without metadata.
    pub original: Vec<u8>,
    /// The WebP variants, narrowest first, with their bytes.
    pub variants: Vec<(Variant, Vec<u8>)>,
    /// ThumbHash, base64.
    pub placeholder: String,
    /// Average colour, `#rrggbb`.
    pub color: String,
}

/// Where the files of the upload whose SHA-256 is `sha256` (hex) live: one folder per content.
pub fn folder(sha256: &str) -> String {
    format!("{}/{sha256}", &sha256[..2.min(sha256.len())])
}

/// The key of a stored original.
pub fn original_key(sha256: &str, format: Format) -> String {
    format!("{}/original.{}", folder(sha256), format.extension())
}

/// The widths of the variants of a picture `width` wide: each listed width below it, and its
/// own width when that is not above the widest.
pub fn variant_widths(width: u32) -> Vec<u32> {
    let mut widths: Vec<u32> = WIDTHS.iter().copied().filter(|w| *w < width).collect();
    if width <= WIDTHS[WIDTHS.len() - 1] {
        widths.push(width);
    }
    widths
}

/// Longest side a WebP file can have.
pub const MAX_SIDE: u32 = 16_383;

/// Decodes `bytes` (of `format`, at most `max_pixels` pixels) and turns it upright: the
/// picture, and whether it had to be turned.
fn decode(
    bytes: impl BufRead + Seek,
    format: Format,
    max_pixels: u64,
) -> Result<(DynamicImage, bool), Refused> {
    let undecodable =
        |e: image::ImageError| Refused::Picture(format!("the picture could not be decoded: {e}"));
    let mut reader = ImageReader::with_format(bytes, format.image_format());
    let mut limits = Limits::default();
    // Room for the decoded pixels (at most 16 bytes each) and the decoder's own buffers.
    limits.max_alloc = Some(max_pixels.saturating_mul(16).max(64 << 20));
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(undecodable)?;
    let (width, height) = decoder.dimensions();
    let pixels = u64::from(width) * u64::from(height);
    if pixels > max_pixels {
        return Err(Refused::Picture(format!(
            "the picture is {width} × {height} pixels; at most {max_pixels} pixels are accepted"
        )));
    }
    if pixels == 0 {
        return Err(Refused::Picture("the picture has no pixels".into()));
    }
    if width > MAX_SIDE || height > MAX_SIDE {
        return Err(Refused::Picture(format!(
            "the picture is {width} × {height} pixels; at most {MAX_SIDE} pixels are accepted on a side"
        )));
    }
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let mut picture = DynamicImage::from_decoder(decoder).map_err(undecodable)?;
    picture.apply_orientation(orientation);
    Ok((picture, orientation != Orientation::NoTransforms))
}

/// Decodes `bytes` (of `format`, at most `max_pixels` pixels), turns it upright and makes the
/// variants of the upload whose SHA-256 is `sha256` (the original is left empty).
pub fn process(
    bytes: impl BufRead + Seek,
    format: Format,
    sha256: &str,
    max_pixels: u64,
) -> Result<Processed, Refused> {
    let (picture, _) = decode(bytes, format, max_pixels)?;
    rendered(&picture, format, sha256)
}

/// The variants, placeholder and colour of an upright picture.
fn rendered(picture: &DynamicImage, format: Format, sha256: &str) -> Result<Processed, Refused> {
    Ok(Processed {
        format,
        width: picture.width(),
        height: picture.height(),
        original: Vec::new(),
        variants: variants(picture, sha256)?,
        placeholder: String::new(),
        color: String::new(),
    }
    .with_placeholder(picture))
}

/// [`process`], with the original without metadata: `source` is the uploaded file.
pub fn process_upload(
    mut source: impl BufRead + Seek,
    format: Format,
    sha256: &str,
    max_pixels: u64,
) -> Result<Processed, Refused> {
    let (picture, turned) = decode(&mut source, format, max_pixels)?;
    let mut processed = rendered(&picture, format, sha256)?;
    source
        .rewind()
        .map_err(|e| Refused::Picture(e.to_string()))?;
    let mut bytes = Vec::new();
    source
        .read_to_end(&mut bytes)
        .map_err(|e| Refused::Picture(e.to_string()))?;
    processed.original = stripped(&bytes, format, turned.then_some(&picture))?;
    Ok(processed)
}

impl Processed {
    fn with_placeholder(mut self, picture: &DynamicImage) -> Self {
        let small = picture
            .thumbnail(PLACEHOLDER_SIDE, PLACEHOLDER_SIDE)
            .to_rgba8();
        let hash = thumbhash::rgba_to_thumb_hash(
            small.width() as usize,
            small.height() as usize,
            small.as_raw(),
        );
        use base64::Engine;
        self.placeholder = base64::engine::general_purpose::STANDARD.encode(&hash);
        let (r, g, b, _) =
            thumbhash::thumb_hash_to_average_rgba(&hash).unwrap_or((0.5, 0.5, 0.5, 1.0));
        let channel = |v: f32| (v.clamp(0.0, 1.0) * 255.0).round() as u8;
        self.color = format!("#{:02x}{:02x}{:02x}", channel(r), channel(g), channel(b));
        self
    }
}

/// The WebP variants of `picture`, narrowest first; each is made from the next wider one.
fn variants(picture: &DynamicImage, sha256: &str) -> Result<Vec<(Variant, Vec<u8>)>, Refused> {
    let alpha = picture.color().has_alpha();
    let folder = folder(sha256);
    // Each variant is made from the next wider one (the picture itself for the widest).
    let mut wider: Option<DynamicImage> = None;
    let mut out = Vec::new();
    for width in variant_widths(picture.width()).into_iter().rev() {
        let height = ((u64::from(picture.height()) * u64::from(width)
            + u64::from(picture.width()) / 2)
            / u64::from(picture.width()))
        .max(1) as u32;
        let from = wider.as_ref().unwrap_or(picture);
        if from.width() != width || from.height() != height {
            wider = Some(from.resize_exact(width, height, FilterType::CatmullRom));
        }
        let source = wider.as_ref().unwrap_or(picture);
        let unencodable =
            |e| Refused::Picture(format!("the picture could not be encoded as WebP: {e:?}"));
        let encoded = if alpha {
            let rgba = source.to_rgba8();
            webp::Encoder::from_rgba(rgba.as_raw(), width, height)
                .encode_simple(false, WEBP_QUALITY)
                .map_err(unencodable)?
                .to_vec()
        } else {
            let rgb = source.to_rgb8();
            webp::Encoder::from_rgb(rgb.as_raw(), width, height)
                .encode_simple(false, WEBP_QUALITY)
                .map_err(unencodable)?
                .to_vec()
        };
        out.push((
            Variant {
                width,
                height,
                mime: "image/webp".into(),
                key: format!("{folder}/{width}.webp"),
            },
            encoded,
        ));
    }
    out.reverse();
    Ok(out)
}

/// The uploaded `bytes` without metadata (EXIF, XMP, IPTC, comments, text chunks, trailers):
/// a JPEG, PNG or GIF has those parts dropped and keeps its pixels bit for bit (and a GIF its
/// animation); a WebP, or a picture that had to be turned upright (`turned`), is encoded again
/// from its pixels.
fn stripped(
    bytes: &[u8],
    format: Format,
    turned: Option<&DynamicImage>,
) -> Result<Vec<u8>, Refused> {
    let failed =
        |e: image::ImageError| Refused::Picture(format!("the picture could not be encoded: {e}"));
    let damaged = || Refused::Picture(format!("the {} file is damaged", format.extension()));
    let mut out = Vec::new();
    match (format, turned) {
        (Format::Jpeg, None) => strip_jpeg(bytes).ok_or_else(damaged),
        (Format::Png, None) => strip_png(bytes).ok_or_else(damaged),
        (Format::Gif, None) => strip_gif(bytes).ok_or_else(damaged),
        (Format::Jpeg, Some(picture)) => {
            picture
                .to_rgb8()
                .write_with_encoder(JpegEncoder::new_with_quality(&mut out, JPEG_QUALITY))
                .map_err(failed)?;
            Ok(out)
        }
        (Format::Png, Some(picture)) => {
            picture
                .to_rgba8()
                .write_with_encoder(PngEncoder::new(&mut out))
                .map_err(failed)?;
            Ok(out)
        }
        (Format::Gif, Some(picture)) => {
            GifEncoder::new(&mut out)
                .encode_frame(image::Frame::new(picture.to_rgba8()))
                .map_err(failed)?;
            Ok(out)
        }
        (Format::WebP, picture) => {
            let picture = match picture {
                Some(picture) => picture.clone(),
                None => {
                    image::load_from_memory_with_format(bytes, ImageFormat::WebP).map_err(failed)?
                }
            };
            picture
                .to_rgba8()
                .write_with_encoder(WebPEncoder::new_lossless(&mut out))
                .map_err(failed)?;
            Ok(out)
        }
    }
}

/// Whether a JPEG marker segment is kept: not APP1–APP15 (EXIF, XMP, IPTC, maker notes…)
/// other than an ICC profile (APP2) and Adobe's colour transform (APP14), nor a comment.
fn keep_jpeg_segment(marker: u8, payload: &[u8]) -> bool {
    match marker {
        0xE2 => payload.starts_with(b"ICC_PROFILE\0"),
        0xEE => payload.starts_with(b"Adobe"),
        0xE0 => payload.starts_with(b"JFIF\0"),
        0xE1 | 0xE3..=0xED | 0xEF | 0xFE => false,
        _ => true,
    }
}

/// A JPEG without metadata segments ([`keep_jpeg_segment`]), between scans too, and without
/// anything after its end (motion photos, secondary images, gain maps with their own EXIF);
/// `None` when its structure is broken.
fn strip_jpeg(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(bytes.len());
    out.extend_from_slice(bytes.get(..2)?);
    let mut at = 2;
    loop {
        if *bytes.get(at)? != 0xFF {
            return None;
        }
        let marker = *bytes.get(at + 1)?;
        match marker {
            0xFF => {
                at += 1;
                continue;
            }
            0xD9 => {
                out.extend_from_slice(&[0xFF, 0xD9]);
                return Some(out);
            }
            0xD0..=0xD7 | 0x01 => {
                out.extend_from_slice(&[0xFF, marker]);
                at += 2;
                continue;
            }
            _ => {}
        }
        let length = usize::from(u16::from_be_bytes([
            *bytes.get(at + 2)?,
            *bytes.get(at + 3)?,
        ]));
        let end = at.checked_add(2)?.checked_add(length)?;
        let segment = bytes.get(at..end)?;
        if keep_jpeg_segment(marker, segment.get(4..).unwrap_or_default()) {
            out.extend_from_slice(segment);
        }
        at = end;
        if marker == 0xDA {
            // Entropy-coded data: up to the next marker that is not a stuffed 0xFF00 or a
            // restart (D0–D7).
            let start = at;
            loop {
                let byte = *bytes.get(at)?;
                if byte == 0xFF {
                    let next = *bytes.get(at + 1)?;
                    if next != 0x00 && !(0xD0..=0xD7).contains(&next) {
                        break;
                    }
                    at += 2;
                } else {
                    at += 1;
                }
            }
            out.extend_from_slice(&bytes[start..at]);
        }
    }
}

/// A GIF with only what draws and animates it: its images, colour tables, graphic control
/// (timing, transparency) and the looping extension; comments, XMP and other application
/// blocks, and anything after its trailer, are dropped. `None` when its structure is broken.
fn strip_gif(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(bytes.len());
    let flags = *bytes.get(10)?;
    let global = if flags & 0x80 != 0 {
        3 << ((flags & 0x07) + 1)
    } else {
        0
    };
    let mut at = 13 + global;
    out.extend_from_slice(bytes.get(..at)?);
    // The end of the sub-blocks starting at `from` (after their terminator).
    let sub_blocks = |mut from: usize| -> Option<usize> {
        loop {
            let size = usize::from(*bytes.get(from)?);
            from += 1;
            if size == 0 {
                return Some(from);
            }
            from = from.checked_add(size)?;
        }
    };
    loop {
        match *bytes.get(at)? {
            0x3B => {
                out.push(0x3B);
                return Some(out);
            }
            0x2C => {
                let flags = *bytes.get(at + 9)?;
                let local = if flags & 0x80 != 0 {
                    3 << ((flags & 0x07) + 1)
                } else {
                    0
                };
                // Descriptor, local colour table, LZW code size, then the image data.
                let end = sub_blocks(at + 10 + local + 1)?;
                out.extend_from_slice(bytes.get(at..end)?);
                at = end;
            }
            0x21 => {
                let label = *bytes.get(at + 1)?;
                let end = sub_blocks(at + 2)?;
                let block = bytes.get(at..end)?;
                let looping = label == 0xFF
                    && matches!(
                        block.get(3..14),
                        Some(b"NETSCAPE2.0") | Some(b"ANIMEXTS1.0")
                    );
                if label == 0xF9 || label == 0x01 || looping {
                    out.extend_from_slice(block);
                }
                at = end;
            }
            _ => return None,
        }
    }
}

/// A PNG with only the chunks that draw it (and its colour space, transparency and
/// animation); text, EXIF and time chunks are dropped. `None` when its structure is broken.
fn strip_png(bytes: &[u8]) -> Option<Vec<u8>> {
    const KEEP: [&[u8; 4]; 14] = [
        b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"gAMA", b"cHRM", b"sRGB", b"iCCP", b"sBIT",
        b"bKGD", b"acTL", b"fcTL", b"fdAT",
    ];
    let mut out = Vec::with_capacity(bytes.len());
    out.extend_from_slice(bytes.get(..8)?);
    let mut at = 8;
    while at < bytes.len() {
        let length = u32::from_be_bytes(bytes.get(at..at + 4)?.try_into().ok()?) as usize;
        let kind = bytes.get(at + 4..at + 8)?;
        let end = at.checked_add(12)?.checked_add(length)?;
        let chunk = bytes.get(at..end)?;
        if KEEP.iter().any(|keep| keep.as_slice() == kind) {
            out.extend_from_slice(chunk);
        }
        at = end;
        if kind == b"IEND" {
            return Some(out);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_content_decides_the_type() {
        assert_eq!(Format::sniff(b"\x89PNG\r\n\x1a\n...."), Ok(Format::Png));
        assert_eq!(Format::sniff(&[0xFF, 0xD8, 0xFF, 0xE0]), Ok(Format::Jpeg));
        assert_eq!(Format::sniff(b"RIFF\0\0\0\0WEBPVP8 "), Ok(Format::WebP));
        assert_eq!(Format::sniff(b"GIF89a"), Ok(Format::Gif));
        assert!(matches!(
            Format::sniff(b"<svg xmlns="),
            Err(Refused::Type(_))
        ));
        assert!(matches!(
            Format::sniff(b"\0\0\0\x1cftypavif\0\0\0\0"),
            Err(Refused::Type(m)) if m.contains("AVIF")
        ));
    }

    #[test]
    fn variants_are_never_wider_than_the_original() {
        assert_eq!(variant_widths(200), vec![200]);
        assert_eq!(variant_widths(640), vec![320, 640]);
        assert_eq!(variant_widths(1000), vec![320, 640, 1000]);
        assert_eq!(variant_widths(4000), vec![320, 640, 1024, 1600, 2400]);
    }
}
