//! Content codings for cached public reads. Responses built by handlers are compressed on the
//! way out by actix's `Compress` middleware; a cached body is compressed once per coding, the
//! first time a client asks for that coding, and every later hit sends the stored bytes.

use std::io::Write;
use std::sync::OnceLock;

use actix_web::dev::ServiceRequest;
use actix_web::http::header::{AcceptEncoding, ContentEncoding, Encoding, Header};
use actix_web::web::Bytes;

/// The codings a cached body is kept in besides itself, in the order of [`Coding::index`].
const CODINGS: [ContentEncoding; 3] = [
    ContentEncoding::Brotli,
    ContentEncoding::Zstd,
    ContentEncoding::Gzip,
];

/// A body and the encoded copies made of it so far.
pub struct Encoded {
    identity: Bytes,
    /// `None` where compressing failed: that coding is then sent as identity.
    copies: [OnceLock<Option<Bytes>>; 3],
}

impl Encoded {
    /// The body as the handler produced it.
    pub fn new(identity: Bytes) -> Self {
        Self {
            identity,
            copies: Default::default(),
        }
    }

    /// Bytes the cache should count for this body (copies are smaller than the original).
    pub fn weight(&self) -> usize {
        self.identity.len() * 2
    }

    /// The body in `coding` (compressing it on first use), and the coding it is in: identity
    /// when asked for, or when compressing failed.
    pub fn get(&self, coding: ContentEncoding) -> (ContentEncoding, Bytes) {
        let Some(index) = CODINGS.iter().position(|c| *c == coding) else {
            return (ContentEncoding::Identity, self.identity.clone());
        };
        let copy = self.copies[index].get_or_init(|| match compress(coding, &self.identity) {
            Ok(bytes) => Some(bytes),
            Err(error) => {
                tracing::warn!(%error, ?coding, "could not compress a cached body");
                None
            }
        });
        match copy {
            Some(bytes) => (coding, bytes.clone()),
            None => (ContentEncoding::Identity, self.identity.clone()),
        }
    }
}

/// The coding the client prefers among those the server offers, as actix's `Compress`
/// middleware negotiates it; identity when the request names none it accepts.
pub fn negotiate(request: &ServiceRequest) -> ContentEncoding {
    let Ok(accept) = AcceptEncoding::parse(request) else {
        return ContentEncoding::Identity;
    };
    let offered = CODINGS
        .iter()
        .map(|coding| Encoding::Known(*coding))
        .chain([Encoding::identity()])
        .collect::<Vec<_>>();
    match accept.negotiate(offered.iter()) {
        Some(Encoding::Known(coding)) => coding,
        _ => ContentEncoding::Identity,
    }
}

/// `body` in `coding`, at a level worth spending once per cached body.
fn compress(coding: ContentEncoding, body: &[u8]) -> std::io::Result<Bytes> {
    let bytes = match coding {
        ContentEncoding::Brotli => {
            let mut out = Vec::with_capacity(body.len() / 4);
            {
                let mut writer = brotli::CompressorWriter::new(&mut out, 32 * 1024, 6, 22);
                writer.write_all(body)?;
            }
            out
        }
        ContentEncoding::Zstd => zstd::stream::encode_all(body, 6)?,
        ContentEncoding::Gzip => {
            let mut writer = flate2::write::GzEncoder::new(
                Vec::with_capacity(body.len() / 4),
                flate2::Compression::default(),
            );
            writer.write_all(body)?;
            writer.finish()?
        }
        _ => body.to_vec(),
    };
    Ok(Bytes::from(bytes))
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::*;

    #[test]
    fn every_coding_round_trips() {
        let body = Bytes::from(r#"{"data":[{"title":"Tokayev"}]}"#.repeat(50));
        let encoded = Encoded::new(body.clone());
        let mut gunzipped = Vec::new();
        flate2::read::GzDecoder::new(&encoded.get(ContentEncoding::Gzip).1[..])
            .read_to_end(&mut gunzipped)
            .unwrap();
        assert_eq!(gunzipped, body);
        let unzstd = zstd::stream::decode_all(&encoded.get(ContentEncoding::Zstd).1[..]).unwrap();
        assert_eq!(unzstd, body);
        let mut unbrotli = Vec::new();
        brotli::Decompressor::new(&encoded.get(ContentEncoding::Brotli).1[..], 4096)
            .read_to_end(&mut unbrotli)
            .unwrap();
        assert_eq!(unbrotli, body);
        assert!(encoded.get(ContentEncoding::Brotli).1.len() < body.len() / 4);
    }
}
