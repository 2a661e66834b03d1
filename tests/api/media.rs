//! The media library: uploads told by their content, stripped of metadata, processed within
//! limits into WebP variants, stored on disk or in a real S3-compatible store (SeaweedFS),
//! served as immutable files and delivered where content uses them. Every test runs on both
//! storages.

use std::collections::HashMap;
use std::io::Cursor;

use image::{ImageBuffer, ImageFormat, Rgb, Rgba};
use serde_json::{Value, json};

use crate::fixtures::{article_body, create_article, newsroom, writer};
use crate::helpers::{
    TestApp, assert_problem, expect_json, header, json_body, send_json_expect, spawn_app_with,
};
use crate::seaweed;

/// Where a test's server keeps media.
#[derive(Clone, Copy, Debug)]
enum Storage {
    Fs,
    S3,
}

const STORAGES: [Storage; 2] = [Storage::Fs, Storage::S3];

/// A server keeping media in `storage`, with `customize`d settings.
async fn spawn_media_with(
    storage: Storage,
    customize: impl FnOnce(&mut HashMap<String, String>),
) -> TestApp {
    let s3 = match storage {
        Storage::Fs => None,
        Storage::S3 => Some(seaweed::bucket().await),
    };
    spawn_app_with(|env| {
        if let Some(s3) = s3 {
            env.extend(s3);
        }
        // Pictures take the cores: a connection may wait longer than the default test wait.
        env.insert("DATABASE_POOL_TIMEOUT_MS".into(), "10000".into());
        customize(env);
    })
    .await
}

async fn spawn_media(storage: Storage) -> TestApp {
    spawn_media_with(storage, |_| {}).await
}

/// A photo-like picture `width` × `height` (gradients, so it compresses like one).
fn picture(width: u32, height: u32) -> image::RgbImage {
    ImageBuffer::from_fn(width, height, |x, y| {
        Rgb([
            (x * 255 / width.max(1)) as u8,
            (y * 255 / height.max(1)) as u8,
            ((x + y) % 256) as u8,
        ])
    })
}

fn encode(picture: &image::DynamicImage, format: ImageFormat) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    picture.write_to(&mut out, format).unwrap();
    out.into_inner()
}

fn jpeg(width: u32, height: u32) -> Vec<u8> {
    encode(
        &image::DynamicImage::ImageRgb8(picture(width, height)),
        ImageFormat::Jpeg,
    )
}

fn png(width: u32, height: u32) -> Vec<u8> {
    encode(
        &image::DynamicImage::ImageRgb8(picture(width, height)),
        ImageFormat::Png,
    )
}

/// A JPEG whose EXIF (as a phone writes it) turns it a quarter (orientation 6) and holds a
/// GPS position.
fn phone_jpeg(width: u32, height: u32) -> Vec<u8> {
    let plain = jpeg(width, height);
    // TIFF, little-endian: IFD0 with Orientation = 6 and a GPS IFD pointer; the GPS IFD with
    // GPSLatitudeRef = "N".
    let mut tiff: Vec<u8> = b"II*\0".to_vec();
    tiff.extend(8u32.to_le_bytes());
    tiff.extend(2u16.to_le_bytes());
    tiff.extend([0x12, 0x01, 3, 0]);
    tiff.extend(1u32.to_le_bytes());
    tiff.extend([6, 0, 0, 0]);
    tiff.extend([0x25, 0x88, 4, 0]);
    tiff.extend(1u32.to_le_bytes());
    tiff.extend(38u32.to_le_bytes());
    tiff.extend(0u32.to_le_bytes());
    tiff.extend(1u16.to_le_bytes());
    tiff.extend([1, 0, 2, 0]);
    tiff.extend(2u32.to_le_bytes());
    tiff.extend(*b"N\0\0\0");
    tiff.extend(0u32.to_le_bytes());
    let mut app1 = b"Exif\0\0".to_vec();
    app1.extend(&tiff);
    app1.extend(b"GPSMARKER");
    let mut out = plain[..2].to_vec();
    out.extend([0xFF, 0xE1]);
    out.extend(((app1.len() + 2) as u16).to_be_bytes());
    out.extend(&app1);
    out.extend(&plain[2..]);
    out
}

/// A PNG chunk with its CRC.
fn chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut crc = flate2::Crc::new();
    crc.update(kind);
    crc.update(data);
    let mut out = (data.len() as u32).to_be_bytes().to_vec();
    out.extend(kind);
    out.extend(data);
    out.extend(crc.sum().to_be_bytes());
    out
}

/// A tiny PNG whose header claims `width` × `height`.
fn png_claiming(width: u32, height: u32) -> Vec<u8> {
    let mut ihdr = width.to_be_bytes().to_vec();
    ihdr.extend(height.to_be_bytes());
    ihdr.extend([8, 2, 0, 0, 0]);
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    out.extend(chunk(b"IHDR", &ihdr));
    out.extend(chunk(b"IDAT", &[0x78, 0x9c, 0x63, 0, 0, 0, 1, 0, 1]));
    out.extend(chunk(b"IEND", &[]));
    out
}

/// A multipart upload body: the file (with its name and declared type) and optional meta.
fn multipart(
    file: &[u8],
    name: &str,
    content_type: &str,
    meta: Option<&Value>,
) -> (String, Vec<u8>) {
    let boundary = "newsroom-test-boundary-7d1c";
    let mut body = Vec::new();
    body.extend(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: {content_type}\r\n\r\n"
        )
        .bytes(),
    );
    body.extend(file);
    body.extend(b"\r\n");
    if let Some(meta) = meta {
        body.extend(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"meta\"\r\nContent-Type: application/json\r\n\r\n{meta}\r\n"
            )
            .bytes(),
        );
    }
    body.extend(format!("--{boundary}--\r\n").bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// Uploads `file` as `token`; the response.
async fn upload(
    app: &TestApp,
    token: &str,
    file: &[u8],
    name: &str,
    content_type: &str,
    meta: Option<&Value>,
) -> awc::ClientResponse<
    impl futures_core::Stream<Item = Result<actix_web::web::Bytes, awc::error::PayloadError>> + use<>,
> {
    let (multipart_type, body) = multipart(file, name, content_type, meta);
    app.post("/api/v1/admin/media")
        .bearer_auth(token)
        .insert_header(("Content-Type", multipart_type))
        .send_body(body)
        .await
        .unwrap()
}

/// Uploads `file` and expects it stored: its admin JSON.
async fn uploaded(
    app: &TestApp,
    token: &str,
    file: &[u8],
    name: &str,
    meta: Option<&Value>,
) -> Value {
    let mut response = upload(app, token, file, name, "application/octet-stream", meta).await;
    let body = json_body(&mut response).await;
    assert_eq!(response.status().as_u16(), 201, "{body}");
    body["data"].clone()
}

/// The bytes at a file URL the API gave (on the test server).
async fn fetch(app: &TestApp, url: &str) -> (u16, HashMap<String, String>, Vec<u8>) {
    let path = url
        .split_once("/media/")
        .map(|(_, key)| format!("/media/{key}"))
        .unwrap();
    let mut response = app.get(&path).send().await.unwrap();
    let headers = response
        .headers()
        .iter()
        .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or("").to_owned()))
        .collect();
    let body = response.body().limit(64 << 20).await.unwrap().to_vec();
    (response.status().as_u16(), headers, body)
}

#[actix_web::test]
async fn each_accepted_format_is_stored_with_webp_variants_never_wider_than_it() {
    for storage in STORAGES {
        let app = spawn_media(storage).await;
        let admin = app.admin_token().await;
        let rgba = image::DynamicImage::ImageRgba8(ImageBuffer::from_fn(300, 200, |x, _| {
            Rgba([x as u8, 90, 160, 200])
        }));
        let files = [
            ("photo.jpg", jpeg(700, 400), "image/jpeg"),
            ("photo.png", png(300, 200), "image/png"),
            ("photo.webp", encode(&rgba, ImageFormat::WebP), "image/webp"),
            ("photo.gif", encode(&rgba, ImageFormat::Gif), "image/gif"),
        ];
        for (name, bytes, mime) in files {
            let media = uploaded(&app, &admin, &bytes, name, None).await;
            assert_eq!(media["mime"], mime, "{storage:?} {media}");
            let width = media["width"].as_u64().unwrap();
            let variants = media["variants"].as_array().unwrap();
            assert!(!variants.is_empty(), "{media}");
            for variant in variants {
                assert!(variant["width"].as_u64().unwrap() <= width, "{media}");
                assert_eq!(variant["mime"], "image/webp");
                let (status, headers, body) = fetch(&app, variant["url"].as_str().unwrap()).await;
                assert_eq!(status, 200, "{storage:?} {variant}");
                assert_eq!(headers["content-type"], "image/webp");
                let decoded =
                    image::load_from_memory_with_format(&body, ImageFormat::WebP).unwrap();
                assert_eq!(
                    u64::from(decoded.width()),
                    variant["width"].as_u64().unwrap()
                );
            }
            assert!(media["placeholder"].as_str().unwrap().len() > 10, "{media}");
            assert!(media["color"].as_str().unwrap().starts_with('#'), "{media}");
            let (status, headers, _) = fetch(&app, media["url"].as_str().unwrap()).await;
            assert_eq!(status, 200);
            assert_eq!(headers["content-type"], mime);
        }
        // 700 wide: 320, 640 and its own width; no 1024.
        let widths: Vec<u64> =
            uploaded(&app, &admin, &jpeg(700, 400), "wide.jpg", None).await["variants"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v["width"].as_u64().unwrap())
                .collect();
        assert_eq!(widths, [320, 640, 700]);
        app.stop().await;
    }
}

#[actix_web::test]
async fn the_content_decides_the_type_not_the_name() {
    for storage in STORAGES {
        let app = spawn_media(storage).await;
        let admin = app.admin_token().await;
        let mut response =
            upload(&app, &admin, &png(64, 48), "photo.jpg", "image/jpeg", None).await;
        assert_eq!(response.status().as_u16(), 201);
        let media = json_body(&mut response).await["data"].clone();
        assert_eq!(media["mime"], "image/png", "{media}");
        assert!(media["url"].as_str().unwrap().ends_with("/original.png"));

        let html = b"<!doctype html><html><body><script>alert(1)</script></body></html>";
        let mut response = upload(&app, &admin, html, "photo.jpg", "image/jpeg", None).await;
        let problem = assert_problem(&mut response, 415).await;
        assert!(
            problem["detail"]
                .as_str()
                .unwrap()
                .contains("JPEG, PNG, WebP or GIF"),
            "{problem}"
        );
        let svg = br#"<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>"#;
        let mut response = upload(&app, &admin, svg, "logo.svg", "image/svg+xml", None).await;
        assert_problem(&mut response, 415).await;

        // Not multipart at all.
        let mut response = app
            .post("/api/v1/admin/media")
            .bearer_auth(&admin)
            .send_json(&json!({"file": "x"}))
            .await
            .unwrap();
        assert_problem(&mut response, 415).await;
        let list = expect_json(app.get("/api/v1/admin/media").bearer_auth(&admin), 200).await;
        assert_eq!(list["meta"]["total"], 1, "{list}");
        app.stop().await;
    }
}

#[actix_web::test]
async fn a_phones_exif_is_applied_and_stripped() {
    for storage in STORAGES {
        let app = spawn_media(storage).await;
        let admin = app.admin_token().await;
        let photo = phone_jpeg(400, 300);
        assert!(photo.windows(4).any(|w| w == b"Exif"));
        let media = uploaded(&app, &admin, &photo, "IMG_0001.JPG", None).await;
        // Orientation 6: the upright picture is 300 wide and 400 high.
        assert_eq!(
            (media["width"].as_u64(), media["height"].as_u64()),
            (Some(300), Some(400)),
            "{media}"
        );
        let (_, _, original) = fetch(&app, media["url"].as_str().unwrap()).await;
        for marker in [&b"Exif"[..], b"GPSMARKER"] {
            assert!(
                !original.windows(marker.len()).any(|w| w == marker),
                "{storage:?}: metadata left"
            );
        }
        let decoded = image::load_from_memory(&original).unwrap();
        assert_eq!((decoded.width(), decoded.height()), (300, 400));
        app.stop().await;
    }
}

#[actix_web::test]
async fn limits_refuse_bombs_and_oversized_files_keeping_nothing() {
    for storage in STORAGES {
        let app = spawn_media_with(storage, |env| {
            env.insert("MEDIA_MAX_BYTES".into(), (20u64 << 20).to_string());
        })
        .await;
        let admin = app.admin_token().await;
        let started = std::time::Instant::now();
        let mut response = upload(
            &app,
            &admin,
            &png_claiming(100_000, 100_000),
            "bomb.png",
            "image/png",
            None,
        )
        .await;
        let problem = assert_problem(&mut response, 422).await;
        assert!(problem.to_string().contains("pixels"), "{problem}");
        assert!(started.elapsed() < std::time::Duration::from_secs(5));

        let mut big = vec![0u8; 21 << 20];
        big[..3].copy_from_slice(&[0xFF, 0xD8, 0xFF]);
        let mut response = upload(&app, &admin, &big, "big.jpg", "image/jpeg", None).await;
        assert_problem(&mut response, 413).await;
        let temp = app.database().dir.path().join("data").join("tmp");
        let left: Vec<_> = std::fs::read_dir(&temp)
            .map(|dir| dir.flatten().map(|e| e.path()).collect())
            .unwrap_or_default();
        assert!(left.is_empty(), "temporary files left: {left:?}");

        // A part that is not `file` or `meta`, no file, bad meta.
        let (content_type, mut body) = multipart(&png(10, 10), "a.png", "image/png", None);
        body.splice(0..0, b"--newsroom-test-boundary-7d1c\r\nContent-Disposition: form-data; name=\"other\"\r\n\r\nx\r\n".iter().copied());
        let mut response = app
            .post("/api/v1/admin/media")
            .bearer_auth(&admin)
            .insert_header(("Content-Type", content_type))
            .send_body(body)
            .await
            .unwrap();
        assert_problem(&mut response, 422).await;
        let mut response = upload(
            &app,
            &admin,
            &png(10, 10),
            "a.png",
            "image/png",
            Some(&json!({"credit": 5})),
        )
        .await;
        assert_problem(&mut response, 422).await;
        let mut response = upload(
            &app,
            &admin,
            &png(10, 10),
            "a.png",
            "image/png",
            Some(&json!({"translations": {"xx": {"alt": "?"}}})),
        )
        .await;
        assert_problem(&mut response, 422).await;
        let list = expect_json(app.get("/api/v1/admin/media").bearer_auth(&admin), 200).await;
        assert_eq!(list["meta"]["total"], 0, "{list}");
        app.stop().await;
    }
}

#[actix_web::test]
async fn owners_edit_their_media_and_used_covers_are_not_deleted() {
    for storage in STORAGES {
        let app = spawn_media(storage).await;
        let room = newsroom(&app).await;
        let (author_token, _) = writer(&app, &room, "author").await;
        let (other_token, _) = writer(&app, &room, "author").await;
        let (_, _, reader) = app.user_with_role("reader").await;
        let meta = json!({"credit": "Fotoğraf: AA", "focal_point": {"x": 0.5, "y": 0.25},
                          "translations": {"tr": {"alt": "Astana gece", "caption": "Astana"},
                                           "en": {"alt": "Astana at night"}}});
        let media = uploaded(
            &app,
            &author_token,
            &jpeg(800, 600),
            "astana.jpg",
            Some(&meta),
        )
        .await;
        let id = media["id"].as_i64().unwrap();
        assert_eq!(media["credit"], "Fotoğraf: AA");
        assert_eq!(media["translations"]["tr"]["alt"], "Astana gece");
        assert_eq!(media["focal_point"], json!({"x": 0.5, "y": 0.25}));

        let mut response = upload(&app, &reader, &png(8, 8), "a.png", "image/png", None).await;
        assert_problem(&mut response, 403).await;
        let path = format!("/api/v1/admin/media/{id}");
        let mut response = app
            .patch(&path)
            .bearer_auth(&other_token)
            .send_json(&json!({"credit": "mine"}))
            .await
            .unwrap();
        assert_problem(&mut response, 404).await;
        let mut response = app
            .delete(&path)
            .bearer_auth(&other_token)
            .send()
            .await
            .unwrap();
        assert_problem(&mut response, 404).await;
        let changed = send_json_expect(
            app.patch(&path)
                .bearer_auth(&author_token)
                .insert_header(("If-Match", "\"1\"")),
            &json!({"translations": {"fr": {"alt": "Astana la nuit"}, "en": null}}),
            200,
        )
        .await["data"]
            .clone();
        assert_eq!(changed["version"], 2);
        assert_eq!(changed["translations"]["fr"]["alt"], "Astana la nuit");
        assert!(changed["translations"].get("en").is_none(), "{changed}");
        let mut response = app
            .patch(&path)
            .bearer_auth(&room.editor)
            .insert_header(("If-Match", "\"1\""))
            .send_json(&json!({"credit": null}))
            .await
            .unwrap();
        assert_problem(&mut response, 412).await;
        // Search over texts.
        let found = expect_json(
            app.get("/api/v1/admin/media?q=NUIT")
                .bearer_auth(&other_token),
            200,
        )
        .await;
        assert_eq!(found["meta"]["total"], 1, "{found}");
        let none = expect_json(
            app.get("/api/v1/admin/media?q=kabul&mime=image/png")
                .bearer_auth(&other_token),
            200,
        )
        .await;
        assert_eq!(none["meta"]["total"], 0);
        let uploader = media["uploaded_by"].as_i64().unwrap();
        let mine = expect_json(
            app.get(&format!("/api/v1/admin/media?uploaded_by={uploader}"))
                .bearer_auth(&other_token),
            200,
        )
        .await;
        assert_eq!(mine["meta"]["total"], 1, "{mine}");
        let nobody = expect_json(
            app.get("/api/v1/admin/media?uploaded_by=999999")
                .bearer_auth(&other_token),
            200,
        )
        .await;
        assert_eq!(nobody["meta"]["total"], 0);

        // A cover must name media; a published article's cover can't be deleted.
        let mut body = article_body(&room, "Astana by night", "published");
        body["cover_media_id"] = json!(123456);
        let mut response = app
            .post("/api/v1/admin/articles")
            .bearer_auth(&room.editor)
            .send_json(&body)
            .await
            .unwrap();
        let problem = assert_problem(&mut response, 422).await;
        assert!(problem.to_string().contains("cover_media_id"), "{problem}");
        body["cover_media_id"] = json!(id);
        body["translations"]["en"]["body"] = json!(format!(
            r#"<p>Text.</p><img data-media-id="{id}" alt="mine">"#
        ));
        let article = create_article(&app, &room.editor, &body).await;
        let slug = article["translations"]["en"]["slug"]
            .as_str()
            .unwrap()
            .to_owned();
        // Feeds carry the cover.
        let mut rss = app.get("/feeds/en/rss.xml").send().await.unwrap();
        let rss = String::from_utf8(rss.body().await.unwrap().to_vec()).unwrap();
        let enclosure = format!(
            "<enclosure url=\"{}\" length=\"{}\" type=\"image/jpeg\"/>",
            media["url"].as_str().unwrap(),
            media["byte_size"]
        );
        assert!(rss.contains(&enclosure), "{rss}");
        let json_feed = expect_json(app.get("/feeds/en/feed.json"), 200).await;
        assert_eq!(json_feed["items"][0]["image"], media["url"]);
        let mut response = app
            .delete(&path)
            .bearer_auth(&room.editor)
            .send()
            .await
            .unwrap();
        let problem = assert_problem(&mut response, 409).await;
        assert!(
            problem["detail"]
                .as_str()
                .unwrap()
                .contains("Astana by night"),
            "{problem}"
        );

        // Delivered in the served locale, with files for srcset.
        let read =
            expect_json(app.get(&format!("/api/v1/articles/{slug}?locale=fr")), 200).await["data"]
                .clone();
        let cover = &read["cover"];
        assert_eq!(cover["id"], id, "{read}");
        assert_eq!(cover["alt"], "Astana la nuit");
        assert_eq!(cover["credit"], "Fotoğraf: AA");
        assert_eq!(cover["width"], 800);
        assert_eq!(cover["variants"].as_array().unwrap().len(), 3);
        let body_html = read["body"].as_str().unwrap();
        assert!(body_html.contains("srcset=\""), "{body_html}");
        assert!(body_html.contains("alt=\"Astana la nuit\""), "{body_html}");
        assert!(
            body_html.contains("width=\"800\" height=\"600\""),
            "{body_html}"
        );
        let public =
            expect_json(app.get(&format!("/api/v1/media/{id}?locale=tr")), 200).await["data"]
                .clone();
        assert_eq!(public["caption"], "Astana");
        assert_eq!(public["alt"], "Astana gece");
        // The delivered texts follow a change at once.
        send_json_expect(
            app.patch(&path).bearer_auth(&room.editor),
            &json!({"translations": {"fr": {"alt": "Astana, la nuit"}}}),
            200,
        )
        .await;
        let read =
            expect_json(app.get(&format!("/api/v1/articles/{slug}?locale=fr")), 200).await["data"]
                .clone();
        assert_eq!(read["cover"]["alt"], "Astana, la nuit");

        // Unused media is not public; a draft's cover doesn't keep it.
        let unused = uploaded(&app, &room.editor, &png(20, 20), "unused.png", None).await;
        let unused_id = unused["id"].as_i64().unwrap();
        let mut response = app
            .get(&format!("/api/v1/media/{unused_id}"))
            .send()
            .await
            .unwrap();
        assert_problem(&mut response, 404).await;
        let mut draft = article_body(&room, "Draft", "draft");
        draft["cover_media_id"] = json!(unused_id);
        create_article(&app, &room.editor, &draft).await;
        let response = app
            .delete(&format!("/api/v1/admin/media/{unused_id}"))
            .bearer_auth(&room.editor)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 204);
        let (status, _, _) = fetch(&app, unused["url"].as_str().unwrap()).await;
        assert_eq!(status, 404, "{storage:?}: the files of deleted media stay");
        app.stop().await;
    }
}

#[actix_web::test]
async fn files_are_immutable_with_etags_and_ranges_and_shared_by_identical_uploads() {
    for storage in STORAGES {
        let app = spawn_media(storage).await;
        let admin = app.admin_token().await;
        let bytes = jpeg(500, 300);
        let first = uploaded(&app, &admin, &bytes, "a.jpg", Some(&json!({"credit": "A"}))).await;
        let second = uploaded(&app, &admin, &bytes, "b.jpg", Some(&json!({"credit": "B"}))).await;
        assert_ne!(first["id"], second["id"]);
        assert_eq!(first["url"], second["url"]);
        assert_eq!(first["variants"], second["variants"]);

        let url = first["variants"][0]["url"].as_str().unwrap();
        let path = format!("/media/{}", url.split_once("/media/").unwrap().1);
        let (status, headers, whole) = fetch(&app, url).await;
        assert_eq!(status, 200);
        assert_eq!(
            headers["cache-control"],
            "public, max-age=31536000, immutable"
        );
        assert_eq!(headers["x-content-type-options"], "nosniff");
        assert_eq!(headers["accept-ranges"], "bytes");
        let etag = headers["etag"].clone();
        assert!(etag.starts_with('"'), "a strong ETag: {etag}");
        let response = app
            .get(&path)
            .insert_header(("If-None-Match", etag.as_str()))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 304);
        let mut response = app
            .get(&path)
            .insert_header(("Range", "bytes=0-9"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 206);
        assert_eq!(
            header(&response, "content-range").unwrap(),
            format!("bytes 0-9/{}", whole.len())
        );
        assert_eq!(
            response.body().await.unwrap().to_vec(),
            whole[..10].to_vec()
        );
        let mut response = app
            .get(&path)
            .insert_header(("Range", format!("bytes={}-", whole.len() + 5)))
            .send()
            .await
            .unwrap();
        let body = response.body().await.unwrap();
        assert_eq!(response.status().as_u16(), 416, "{storage:?} {body:?}");
        for missing in ["/media/../../etc/passwd", "/media/ab/cd/1.webp"] {
            let response = app.get(missing).send().await.unwrap();
            assert_eq!(response.status().as_u16(), 404, "{missing}");
        }
        // Deleting one keeps the files the other shares.
        let response = app
            .delete(&format!("/api/v1/admin/media/{}", first["id"]))
            .bearer_auth(&admin)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 204);
        assert_eq!(fetch(&app, url).await.0, 200);
        app.stop().await;
    }
}

#[actix_web::test]
async fn a_media_public_url_is_where_files_are_found() {
    let app = spawn_media_with(Storage::Fs, |env| {
        env.insert(
            "MEDIA_PUBLIC_URL".into(),
            "https://cdn.example/media/".into(),
        );
    })
    .await;
    let admin = app.admin_token().await;
    let media = uploaded(&app, &admin, &png(40, 30), "a.png", None).await;
    let url = media["url"].as_str().unwrap();
    assert!(url.starts_with("https://cdn.example/media/"), "{url}");
    let key = url.trim_start_matches("https://cdn.example/media/");
    let response = app.get(&format!("/media/{key}")).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 301);
    assert_eq!(header(&response, "location").unwrap(), url);
    app.stop().await;
}

#[actix_web::test]
async fn galleries_and_avatars_come_from_the_library() {
    for storage in STORAGES {
        let app = spawn_media(storage).await;
        let room = newsroom(&app).await;
        let editor = room.editor.clone();
        let meta = json!({"translations": {"tr": {"alt": "Tören", "caption": "Resmi tören"}}});
        let first = uploaded(&app, &editor, &jpeg(640, 400), "1.jpg", Some(&meta)).await["id"]
            .as_i64()
            .unwrap();
        let second = uploaded(&app, &editor, &png(300, 300), "2.png", None).await["id"]
            .as_i64()
            .unwrap();

        let mut body = article_body(&room, "Foto Galeri", "published");
        body["gallery"] = json!([{"media_id": 999999}]);
        let mut response = app
            .post("/api/v1/admin/articles")
            .bearer_auth(&editor)
            .send_json(&body)
            .await
            .unwrap();
        let problem = assert_problem(&mut response, 422).await;
        assert!(
            problem.to_string().contains("gallery[0].media_id"),
            "{problem}"
        );
        body["gallery"] = json!([{"media_id": first, "captions": {"xx": "?"}}]);
        let mut response = app
            .post("/api/v1/admin/articles")
            .bearer_auth(&editor)
            .send_json(&body)
            .await
            .unwrap();
        assert_problem(&mut response, 422).await;
        body["translations"]["en"]["body"] = json!(r#"<p>x</p><img data-media-id="424242">"#);
        body["gallery"] = json!([]);
        let mut response = app
            .post("/api/v1/admin/articles")
            .bearer_auth(&editor)
            .send_json(&body)
            .await
            .unwrap();
        let problem = assert_problem(&mut response, 422).await;
        assert!(
            problem.to_string().contains("translations.en.body"),
            "{problem}"
        );

        body["translations"]["en"]["body"] = json!("<p>Photos.</p>");
        body["gallery"] = json!([
            {"media_id": second, "captions": {"en": "The square", "tr": "Meydan"}},
            {"media_id": first}
        ]);
        let article = create_article(&app, &editor, &body).await;
        assert_eq!(
            article["gallery"][0]["captions"]["tr"], "Meydan",
            "{article}"
        );
        let slug = article["translations"]["en"]["slug"]
            .as_str()
            .unwrap()
            .to_owned();
        let plain = article_body(&room, "No photos", "published");
        create_article(&app, &editor, &plain).await;

        let read =
            expect_json(app.get(&format!("/api/v1/articles/{slug}?locale=tr")), 200).await["data"]
                .clone();
        let gallery = read["gallery"].as_array().unwrap();
        assert_eq!(gallery.len(), 2, "{read}");
        assert_eq!(gallery[0]["caption"], "Meydan");
        assert_eq!(gallery[0]["media"]["id"], second);
        // No gallery caption: the picture's own.
        assert_eq!(gallery[1]["caption"], "Resmi tören");
        assert_eq!(gallery[1]["media"]["alt"], "Tören");
        let with = expect_json(app.get("/api/v1/articles?has_gallery=true"), 200).await;
        let titles: Vec<&str> = with["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["title"].as_str().unwrap())
            .collect();
        assert_eq!(titles, ["Foto Galeri"], "{with}");
        let without = expect_json(app.get("/api/v1/articles?has_gallery=false"), 200).await;
        assert_eq!(without["meta"]["total"], 1, "{without}");
        let mut response = app
            .delete(&format!("/api/v1/admin/media/{first}"))
            .bearer_auth(&editor)
            .send()
            .await
            .unwrap();
        assert_problem(&mut response, 409).await;
        // An emptied gallery frees its pictures.
        let id = article["id"].as_i64().unwrap();
        send_json_expect(
            app.patch(&format!("/api/v1/admin/articles/{id}"))
                .bearer_auth(&editor),
            &json!({"gallery": []}),
            200,
        )
        .await;
        let read =
            expect_json(app.get(&format!("/api/v1/articles/{slug}")), 200).await["data"].clone();
        assert_eq!(read["gallery"], json!([]));

        // Avatars.
        let mut response = app
            .post("/api/v1/admin/authors")
            .bearer_auth(&editor)
            .send_json(&json!({"name": "Nurlan Ospanov", "avatar_media_id": 999999}))
            .await
            .unwrap();
        assert_problem(&mut response, 422).await;
        let author = send_json_expect(
            app.post("/api/v1/admin/authors").bearer_auth(&editor),
            &json!({"name": "Nurlan Ospanov", "avatar_media_id": first}),
            201,
        )
        .await["data"]
            .clone();
        assert_eq!(author["avatar_media_id"], first);
        let public = expect_json(
            app.get(&format!("/api/v1/authors/{}?locale=tr", author["id"])),
            200,
        )
        .await["data"]
            .clone();
        assert_eq!(public["avatar"]["id"], first, "{public}");
        assert_eq!(public["avatar"]["alt"], "Tören");
        let mut bylined = article_body(&room, "By Nurlan", "published");
        bylined["author_ids"] = json!([author["id"]]);
        let bylined = create_article(&app, &editor, &bylined).await;
        let read = expect_json(app.get(&format!("/api/v1/articles/{}", bylined["id"])), 200).await
            ["data"]
            .clone();
        let avatar = read["authors"][0]["avatar"].as_str().unwrap();
        assert!(
            avatar.ends_with("/320.webp"),
            "a byline shows the library avatar: {avatar}"
        );
        let response = app
            .delete(&format!("/api/v1/admin/media/{first}"))
            .bearer_auth(&editor)
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.status().as_u16(),
            409,
            "an avatar keeps its picture"
        );

        // The site's logo.
        let admin = app.admin_token().await;
        let site = json!({"translations": {"tr": {"name": "Bruxelles Korner"}}, "social": [],
                          "contact": {}, "logo_media_id": 999999});
        let mut response = app
            .put("/api/v1/admin/site")
            .bearer_auth(&admin)
            .send_json(&site)
            .await
            .unwrap();
        assert_problem(&mut response, 422).await;
        let site = json!({"translations": {"tr": {"name": "Bruxelles Korner"}}, "social": [],
                          "contact": {}, "logo_media_id": second});
        send_json_expect(
            app.put("/api/v1/admin/site").bearer_auth(&admin),
            &site,
            200,
        )
        .await;
        let public = expect_json(app.get("/api/v1/site?locale=fr"), 200).await["data"].clone();
        assert_eq!(public["logo"]["id"], second, "{public}");
        assert_eq!(public["logo"]["mime"], "image/png");
        let mut response = app
            .delete(&format!("/api/v1/admin/media/{second}"))
            .bearer_auth(&editor)
            .send()
            .await
            .unwrap();
        let problem = assert_problem(&mut response, 409).await;
        assert!(
            problem["detail"].as_str().unwrap().contains("logo"),
            "{problem}"
        );
        app.stop().await;
    }
}

/// An animated GIF of `frames` frames with a comment and an XMP block.
fn gif_with_metadata(frames: u32) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut encoder = image::codecs::gif::GifEncoder::new(&mut out);
        encoder
            .set_repeat(image::codecs::gif::Repeat::Infinite)
            .unwrap();
        for n in 0..frames {
            let frame = ImageBuffer::from_fn(40, 30, |x, _| {
                Rgba([(x * 6) as u8, (n * 60) as u8, 90, 255])
            });
            encoder.encode_frame(image::Frame::new(frame)).unwrap();
        }
    }
    // Before the trailer: a comment and an XMP application block, as editors' tools write.
    let trailer = out.pop();
    assert_eq!(trailer, Some(0x3B));
    out.extend([0x21, 0xFE, 9]);
    out.extend(b"GPSMARKER");
    out.push(0);
    out.extend([0x21, 0xFF, 11]);
    out.extend(b"XMP DataXMP");
    out.push(9);
    out.extend(b"GPSMARKER");
    out.push(0);
    out.push(0x3B);
    out
}

#[actix_web::test]
async fn metadata_goes_from_every_format_and_oversized_sides_are_refused() {
    let app = spawn_media(Storage::Fs).await;
    let admin = app.admin_token().await;
    let has_marker = |bytes: &[u8]| bytes.windows(9).any(|w| w == b"GPSMARKER");

    // A JPEG with a motion-photo trailer after its end, carrying its own EXIF.
    let mut photo = jpeg(200, 100);
    photo.extend(b"\xFF\xD8\xFF\xE1\x00\x11Exif\x00\x00GPSMARKER\xFF\xD9");
    let media = uploaded(&app, &admin, &photo, "motion.jpg", None).await;
    let (_, _, original) = fetch(&app, media["url"].as_str().unwrap()).await;
    assert!(!has_marker(&original), "a JPEG trailer was kept");
    assert!(original.ends_with(&[0xFF, 0xD9]));
    assert_eq!(image::load_from_memory(&original).unwrap().width(), 200);

    // An animated GIF keeps its frames and loses its comment and XMP.
    let media = uploaded(&app, &admin, &gif_with_metadata(3), "anim.gif", None).await;
    assert_eq!(media["mime"], "image/gif");
    let (_, _, original) = fetch(&app, media["url"].as_str().unwrap()).await;
    assert!(!has_marker(&original), "GIF metadata was kept");
    use image::AnimationDecoder;
    let frames = image::codecs::gif::GifDecoder::new(Cursor::new(&original))
        .unwrap()
        .into_frames()
        .collect_frames()
        .unwrap();
    assert_eq!(frames.len(), 3);

    // A PNG's text chunks go.
    let mut png_bytes = png(30, 20);
    let end = png_bytes.len() - 12;
    png_bytes.splice(end..end, chunk(b"tEXt", b"Comment\0GPSMARKER"));
    let media = uploaded(&app, &admin, &png_bytes, "text.png", None).await;
    let (_, _, original) = fetch(&app, media["url"].as_str().unwrap()).await;
    assert!(!has_marker(&original), "a PNG text chunk was kept");

    // WebP can't hold a side over 16383 pixels: a long screenshot is refused, not a failure.
    let mut response = upload(
        &app,
        &admin,
        &png(20, 17_000),
        "long.png",
        "image/png",
        None,
    )
    .await;
    let problem = assert_problem(&mut response, 422).await;
    assert!(problem.to_string().contains("on a side"), "{problem}");

    // `012` names picture 12 as `12` does.
    let room = newsroom(&app).await;
    let id = uploaded(&app, &admin, &png(30, 20), "p.png", None).await["id"]
        .as_i64()
        .unwrap();
    let mut body = article_body(&room, "Zeros", "published");
    body["translations"]["en"]["body"] = json!(format!(r#"<p>x</p><img data-media-id="00{id}">"#));
    create_article(&app, &room.editor, &body).await;
    let response = app
        .delete(&format!("/api/v1/admin/media/{id}"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 409);
    app.stop().await;
}
