//! The demo newsroom's pictures, drawn when the demo loads (nothing is fetched): a landscape
//! per article in its own light, with captions in Turkish, French and English and the kind of
//! credit line the seed page prints.

use std::io::Cursor;

use image::{ImageFormat, Rgb, RgbImage};

use crate::media::library::Import;

/// Width and height of the drawn pictures.
const WIDTH: u32 = 1200;
const HEIGHT: u32 = 675;

/// (file name, credit, sky top, sky bottom, land, sun height, [(locale, alt, caption)]).
type Scene = (
    &'static str,
    &'static str,
    [u8; 3],
    [u8; 3],
    [u8; 3],
    f32,
    [(&'static str, &'static str, &'static str); 3],
);

/// The covers of the demo articles, in their order, then the picture in the Tokayev interview.
const SCENES: [Scene; 7] = [
    (
        "akorda-astana.jpg",
        "Fotoğraf: Akorda Basın Servisi",
        [58, 94, 160],
        [236, 196, 150],
        [40, 52, 70],
        0.55,
        [
            (
                "tr",
                "Astana'da gün batımında Ak Orda",
                "Astana'da Ak Orda Cumhurbaşkanlığı Sarayı",
            ),
            (
                "fr",
                "L'Akorda au coucher du soleil à Astana",
                "Le palais présidentiel Akorda à Astana",
            ),
            (
                "en",
                "The Akorda at sunset in Astana",
                "The Akorda presidential palace in Astana",
            ),
        ],
    ),
    (
        "ala-too-bishkek.jpg",
        "Fotoğraf: Kadir Duran",
        [120, 170, 220],
        [220, 232, 240],
        [70, 96, 60],
        0.3,
        [
            (
                "tr",
                "Bişkek'te karlı dağların önünde Ala-Too Meydanı",
                "Bişkek'te Ala-Too Meydanı",
            ),
            (
                "fr",
                "La place Ala-Too devant les montagnes enneigées",
                "La place Ala-Too à Bichkek",
            ),
            (
                "en",
                "Ala-Too Square before the snowy mountains",
                "Ala-Too Square in Bishkek",
            ),
        ],
    ),
    (
        "steppe-winter.jpg",
        "Fotoğraf: Ayana Birbayeva",
        [170, 190, 210],
        [235, 238, 242],
        [200, 206, 214],
        0.4,
        [
            ("tr", "Kışın Kazak bozkırı", "Ocak ayında Kazak bozkırı"),
            (
                "fr",
                "La steppe kazakhe en hiver",
                "La steppe kazakhe en janvier",
            ),
            (
                "en",
                "The Kazakh steppe in winter",
                "The Kazakh steppe in January",
            ),
        ],
    ),
    (
        "parliament-astana.jpg",
        "Fotoğraf: Akorda",
        [30, 50, 90],
        [120, 140, 190],
        [25, 30, 45],
        0.7,
        [
            ("tr", "Astana'da akşam ışıkları", "Astana'da meclis binası"),
            (
                "fr",
                "Les lumières du soir à Astana",
                "Le Parlement à Astana",
            ),
            ("en", "Evening lights in Astana", "The Parliament in Astana"),
        ],
    ),
    (
        "registan-samarkand.jpg",
        "Fotoğraf: AA",
        [90, 150, 210],
        [245, 215, 160],
        [170, 120, 70],
        0.45,
        [
            (
                "tr",
                "Semerkant'ta Registan Meydanı",
                "Semerkant'ta Registan",
            ),
            (
                "fr",
                "La place du Registan à Samarcande",
                "Le Registan à Samarcande",
            ),
            (
                "en",
                "Registan Square in Samarkand",
                "The Registan in Samarkand",
            ),
        ],
    ),
    (
        "rue-de-la-loi.jpg",
        "Fotoğraf: Bruxelles Korner",
        [110, 130, 160],
        [200, 205, 215],
        [60, 62, 70],
        0.35,
        [
            (
                "tr",
                "Brüksel'de Rue de la Loi",
                "Brüksel'de federal bakanlıklar",
            ),
            (
                "fr",
                "La rue de la Loi à Bruxelles",
                "Les ministères fédéraux à Bruxelles",
            ),
            (
                "en",
                "Rue de la Loi in Brussels",
                "The federal ministries in Brussels",
            ),
        ],
    ),
    (
        "tokayev-interview.jpg",
        "Fotoğraf: Akorda",
        [200, 170, 120],
        [250, 235, 205],
        [90, 60, 40],
        0.6,
        [
            (
                "tr",
                "Tokayev Türkistan gazetesine konuşuyor",
                "Tokayev, 5 Ocak'ta Türkistan gazetesine verdiği röportajda dengeli diplomasiyi vurguladı.",
            ),
            (
                "fr",
                "Tokaïev s'exprimant devant le quotidien Turkistan",
                "Tokaïev a souligné une diplomatie équilibrée dans son entretien au quotidien Turkistan, le 5 janvier.",
            ),
            (
                "en",
                "Tokayev speaking to the Turkistan newspaper",
                "Tokayev emphasized balanced diplomacy in his interview with the Turkistan newspaper on Jan. 5.",
            ),
        ],
    ),
];

/// How many of the pictures are article covers (the rest are placed in bodies).
pub const COVERS: usize = SCENES.len() - 1;

/// The demo pictures, drawn: the article covers in article order, then the interview picture.
pub fn pictures() -> Vec<Import> {
    SCENES
        .iter()
        .map(|(name, credit, top, bottom, land, sun, texts)| Import {
            bytes: draw(*top, *bottom, *land, *sun),
            file_name: (*name).into(),
            credit: Some((*credit).into()),
            texts: texts
                .iter()
                .map(|(locale, alt, caption)| ((*locale).into(), (*alt).into(), (*caption).into()))
                .collect(),
        })
        .collect()
}

/// A landscape: a sky from `top` to `bottom`, a sun at `sun` of the width, hills of `land`,
/// as a JPEG.
fn draw(top: [u8; 3], bottom: [u8; 3], land: [u8; 3], sun: f32) -> Vec<u8> {
    let mix = |a: u8, b: u8, t: f32| (f32::from(a) * (1.0 - t) + f32::from(b) * t) as u8;
    let (sun_x, sun_y, radius) = (
        sun * WIDTH as f32,
        HEIGHT as f32 * 0.45,
        HEIGHT as f32 * 0.09,
    );
    let picture = RgbImage::from_fn(WIDTH, HEIGHT, |x, y| {
        let (fx, fy) = (x as f32, y as f32);
        let ridge = HEIGHT as f32
            * (0.62 + 0.08 * (fx / 170.0 + sun * 9.0).sin() + 0.04 * (fx / 53.0).cos());
        if fy > ridge {
            let depth = ((fy - ridge) / (HEIGHT as f32 - ridge + 1.0)).min(1.0);
            return Rgb([
                mix(land[0], 10, depth * 0.6),
                mix(land[1], 10, depth * 0.6),
                mix(land[2], 10, depth * 0.6),
            ]);
        }
        let distance = ((fx - sun_x).powi(2) + (fy - sun_y).powi(2)).sqrt();
        if distance < radius {
            return Rgb([255, 244, 214]);
        }
        let t = fy / HEIGHT as f32;
        let glow = (1.0 - (distance / (radius * 6.0)).min(1.0)) * 0.35;
        Rgb([
            mix(mix(top[0], bottom[0], t), 255, glow),
            mix(mix(top[1], bottom[1], t), 236, glow),
            mix(mix(top[2], bottom[2], t), 200, glow),
        ])
    });
    let mut out = Cursor::new(Vec::new());
    picture
        .write_to(&mut out, ImageFormat::Jpeg)
        .expect("a drawn picture encodes");
    out.into_inner()
}
