//! The demo newsroom, built from the kind of site Newsroom CMS serves (a Brussels news portal in
//! Turkish, French and English): its categories, bylines, tags, the Tokayev interview with its
//! English text, French summary and a Turkish translation, and the Central Asia newsletters
//! around it, the imprint and privacy pages. Plus deterministic synthetic articles for benchmarks.
//!
//! Everything is written through the same store functions and editorial rules as the API.

pub mod pages;
pub mod pictures;

use std::collections::BTreeMap;
use std::sync::LazyLock;

use chrono::{NaiveDate, NaiveDateTime};

use crate::articles::model::{
    ArticleStatus, PreparedTranslation, TranslationInput, TranslationStatus,
};
use crate::articles::read_model;
use crate::articles::store::editing::save_translation;
use crate::articles::store::{self as articles, ArticleFields};
use crate::authors::store::{self as authors, AuthorFields};
use crate::categories::store as categories;
use crate::db::{self, DbConnection};
use crate::domain::DomainError;
use crate::events::model::Resource;
use crate::events::store as events;
use crate::html::Sanitizer;
use crate::menus::model::{MenuChildInput, MenuItemInput, TargetKind};
use crate::menus::store as menus;
use crate::site::model::{Contact, SiteTranslationRow, SocialLink};
use crate::site::store as site;
use crate::slug::slugify;
use crate::tags::store as tags;

/// Locales the demo writes in; the site must have them.
const DEMO_LOCALES: [&str; 3] = ["tr", "fr", "en"];

/// Synthetic articles written per transaction.
const BATCH: u32 = 250;

/// The demo's bodies embed nothing: the allow-list without iframes.
static DEMO_SANITIZER: LazyLock<Sanitizer> = LazyLock::new(|| Sanitizer::new(&[]));

/// Loads the newsroom into a database without articles or categories; any other database is
/// left as it is (`false`).
pub fn load_newsroom(conn: &mut DbConnection, pictures: &[i64]) -> Result<bool, DomainError> {
    db::write_transaction(conn, |conn| {
        if !is_empty(conn)? {
            return Ok(false);
        }
        ensure_locales(conn)?;
        write_site(conn)?;
        let newsroom = Newsroom::create(conn)?;
        newsroom.write_menu(conn)?;
        pages::write(conn)?;
        let articles = newsroom.write_articles(conn, pictures)?;
        write_interaction(conn, &articles)?;
        read_model::refresh(conn, &articles)?;
        read_model::recount(conn, &articles)?;
        announce(conn)?;
        Ok(true)
    })
}

/// Records in the outbox what the newsroom holds besides its articles (whose views record
/// theirs), as the admin API's writes would have: the change feed starts complete.
fn announce(conn: &mut DbConnection) -> Result<(), DomainError> {
    let made = [
        (Resource::Category, categories::ids(conn)?),
        (Resource::Tag, tags::ids(conn)?),
        (Resource::Author, authors::ids(conn)?),
        (Resource::Media, crate::media::store::all_ids(conn)?),
    ];
    for (resource, ids) in made {
        for id in ids {
            events::announce(conn, resource, "created", id)?;
        }
    }
    for id in crate::pages::store::ids(conn)? {
        crate::pages::store::announce(conn, id, &[], false)?;
    }
    Ok(())
}

/// Whether the database has no content yet (the demo newsroom loads only then).
pub fn is_empty(conn: &mut DbConnection) -> Result<bool, DomainError> {
    Ok(articles::count(conn)? == 0 && categories::count(conn)? == 0)
}

/// Places the interview picture `id` in a body: in its first empty figure, else after its
/// first paragraph.
fn with_picture(body: &str, id: i64) -> String {
    let image = format!("<img data-media-id=\"{id}\">");
    if body.contains("<figure><figcaption>") {
        return body.replacen(
            "<figure><figcaption>",
            &format!("<figure>{image}<figcaption>"),
            1,
        );
    }
    match body.find("</p>") {
        Some(end) => format!(
            "{}<figure>{image}</figure>{}",
            &body[..end + 4],
            &body[end + 4..]
        ),
        None => format!("<figure>{image}</figure>{body}"),
    }
}

/// Adds `count` deterministic synthetic articles in Turkish, French and English (bodies of about
/// 3 KB), spread over the newsroom's categories, bylines and tags. `progress` is told after
/// each batch how many are written.
pub fn load_synthetic(
    conn: &mut DbConnection,
    count: u32,
    mut progress: impl FnMut(u32),
) -> Result<u32, DomainError> {
    load_newsroom(conn, &[])?;
    let (category_ids, author_ids, tag_ids) = db::write_transaction(conn, |conn| {
        let category_ids = categories::ids(conn)?;
        let author_ids = authors::ids(conn)?;
        let tag_ids = tags::ids(conn)?;
        Ok::<_, DomainError>((category_ids, author_ids, tag_ids))
    })?;
    if category_ids.is_empty() || author_ids.is_empty() {
        return Err(DomainError::Conflict(
            "The database has no categories or authors to write under.".into(),
        ));
    }
    let start: NaiveDateTime = NaiveDate::from_ymd_opt(2025, 12, 31)
        .and_then(|d| d.and_hms_opt(12, 0, 0))
        .unwrap_or_default();
    let mut written = 0;
    // Statistics are refreshed as the tables grow (each time they double), so the plans of the
    // load's own lookups keep using their indexes.
    let mut analyzed_at = BATCH;
    while written < count {
        let batch_end = (written + BATCH).min(count);
        db::write_transaction(conn, |conn| {
            let mut batch = Vec::with_capacity(BATCH as usize);
            for n in written..batch_end {
                let mut random = Random::new(u64::from(n));
                let index = n as usize;
                let fields = ArticleFields {
                    category_id: category_ids[index % category_ids.len()],
                    status: ArticleStatus::Published.as_str().into(),
                    published_at: Some(start - chrono::Duration::minutes(i64::from(n) * 37)),
                    unpublish_at: None,
                    featured: n % 50 == 0,
                    comments_enabled: true,
                    source_name: None,
                    source_url: None,
                    cover_media_id: None,
                    source_locale: "tr".into(),
                };
                let id = articles::insert(conn, &fields, None)?;
                batch.push(id);
                articles::set_authors(conn, id, &[author_ids[index % author_ids.len()]])?;
                if !tag_ids.is_empty() {
                    let mut chosen = vec![
                        tag_ids[index % tag_ids.len()],
                        tag_ids[(index * 7 + 3) % tag_ids.len()],
                    ];
                    chosen.dedup();
                    articles::set_tags(conn, id, &chosen)?;
                }
                let row = articles::find(conn, id)?;
                for locale in DEMO_LOCALES {
                    let words = vocabulary(locale);
                    let title = format!(
                        "{} {} {n}",
                        capitalized(&random.sentence(words, 6)),
                        random.pick(words)
                    );
                    let input = TranslationInput {
                        title,
                        slug: None,
                        summary: Some(capitalized(&random.sentence(words, 24)) + "."),
                        body: random.body(words, 3000),
                        seo_title: None,
                        seo_description: None,
                        status: Some(TranslationStatus::Published),
                        publish_at: None,
                        unpublish_at: None,
                    };
                    let prepared =
                        PreparedTranslation::new(locale, input, "body", &DEMO_SANITIZER)?;
                    save_translation(conn, &row, locale, &prepared, None, None)?;
                }
            }
            read_model::refresh(conn, &batch)?;
            Ok::<_, DomainError>(())
        })?;
        written = batch_end;
        if written >= analyzed_at * 2 {
            db::analyze(conn)?;
            analyzed_at = written;
        }
        progress(written);
    }
    Ok(written)
}

/// The site settings from the portal's footer: its name, its copyright line and its social
/// networks ("SOSYAL MEDYA BAĞLANTILARI"). The seed names the networks without their
/// addresses, so the links point at placeholder addresses (`.example`).
fn write_site(conn: &mut DbConnection) -> Result<(), DomainError> {
    const COPYRIGHT: &str = "Bruxelles Korner Blog Copyright 2015-2025 AEPI ASBL";
    let texts = [
        (
            "tr",
            "Brüksel'den Türkçe, Fransızca ve İngilizce haberler: Belçika, Türkiye ve Orta Asya.",
        ),
        (
            "fr",
            "L'actualité depuis Bruxelles en turc, en français et en anglais : Belgique, Turquie et Asie centrale.",
        ),
        (
            "en",
            "News from Brussels in Turkish, French and English: Belgium, Türkiye and Central Asia.",
        ),
    ];
    let translations: Vec<SiteTranslationRow> = texts
        .into_iter()
        .map(|(locale, description)| SiteTranslationRow {
            locale: locale.to_owned(),
            name: "Bruxelles Korner".to_owned(),
            description: Some(description.to_owned()),
            copyright: Some(COPYRIGHT.to_owned()),
        })
        .collect();
    let social: Vec<SocialLink> = [
        ("facebook", "https://facebook.example/bruxelleskorner"),
        ("twitter", "https://twitter.example/bruxelleskorner"),
        ("instagram", "https://instagram.example/bruxelleskorner"),
        ("linkedin", "https://linkedin.example/bruxelleskorner"),
        ("youtube", "https://youtube.example/bruxelleskorner"),
    ]
    .into_iter()
    .map(|(network, url)| SocialLink {
        network: network.to_owned(),
        url: url.to_owned(),
    })
    .collect();
    site::replace(conn, &translations, &social, &Contact::default(), None)?;
    Ok(())
}

/// Adds the demo locales an empty site may lack (a site seeded with other `SITE_LOCALES`).
fn ensure_locales(conn: &mut DbConnection) -> Result<(), DomainError> {
    let existing = crate::locales::store::codes(conn)?;
    let mut position = i32::try_from(existing.len()).unwrap_or(0);
    for code in DEMO_LOCALES {
        if !existing.iter().any(|c| c == code) {
            crate::locales::store::insert(
                conn,
                code,
                crate::locales::model::native_name(code),
                position,
            )?;
            position += 1;
        }
    }
    Ok(())
}

/// Ids of what the newsroom holds, by a short name.
struct Newsroom {
    categories: BTreeMap<&'static str, i64>,
    authors: BTreeMap<&'static str, i64>,
    tags: BTreeMap<&'static str, i64>,
}

/// (locale, text) pairs.
type ByLocale = &'static [(&'static str, &'static str)];

/// (key, parent key, names by locale) of every demo category, parents first.
const CATEGORIES: &[(&str, Option<&str>, ByLocale)] = &[
    (
        "belgium",
        None,
        &[
            ("tr", "Belçika Haber"),
            ("fr", "Actualité Belgique"),
            ("en", "Belgium News"),
        ],
    ),
    (
        "politics",
        Some("belgium"),
        &[
            ("tr", "Belçika Siyaset Arenası"),
            ("fr", "Arène politique belge"),
        ],
    ),
    (
        "tax",
        None,
        &[("tr", "Tax Man Bruxelles"), ("fr", "Tax Man Bruxelles")],
    ),
    (
        "central-asia",
        None,
        &[
            ("tr", "Orta Asya"),
            ("fr", "Asie Centrale"),
            ("en", "Central Asia"),
        ],
    ),
    (
        "kazakhstan",
        Some("central-asia"),
        &[
            ("tr", "Kazakistan"),
            ("fr", "Kazakhstan"),
            ("en", "Kazakhstan"),
        ],
    ),
    (
        "kyrgyzstan",
        Some("central-asia"),
        &[
            ("tr", "Kırgızistan"),
            ("fr", "Kirghizistan"),
            ("en", "Kyrgyzstan"),
        ],
    ),
    (
        "uzbekistan",
        Some("central-asia"),
        &[
            ("tr", "Özbekistan"),
            ("fr", "Ouzbékistan"),
            ("en", "Uzbekistan"),
        ],
    ),
    (
        "turkey",
        None,
        &[
            ("tr", "Haber Türkiye"),
            ("fr", "Actualité Turquie"),
            ("en", "Turkey News"),
        ],
    ),
    (
        "elections",
        Some("turkey"),
        &[("tr", "Türkiye Seçime Özel 2023")],
    ),
    (
        "programmes",
        None,
        &[
            ("tr", "Bruxelles Korner Programları"),
            ("fr", "Programmes Bruxelles Korner"),
        ],
    ),
    (
        "health",
        None,
        &[("tr", "Sağlık"), ("fr", "Santé"), ("en", "Health")],
    ),
    (
        "culture",
        None,
        &[
            ("tr", "Kültür Sanat & Spor"),
            ("fr", "Culture et Sport"),
            ("en", "Culture and Sport"),
        ],
    ),
    (
        "biography",
        None,
        &[
            ("tr", "Biyografi"),
            ("fr", "Biographie"),
            ("en", "Biography"),
        ],
    ),
];

/// (key, name, bios by locale) of every demo byline.
const AUTHORS: &[(&str, &str, ByLocale)] = &[
    (
        "ayana",
        "Ayana Birbayeva",
        &[
            (
                "en",
                "Ayana Birbayeva writes on Kazakhstan's foreign policy and Central Asian affairs.",
            ),
            (
                "fr",
                "Ayana Birbayeva couvre la politique étrangère du Kazakhstan et l'Asie centrale.",
            ),
            (
                "tr",
                "Ayana Birbayeva, Kazakistan dış politikası ve Orta Asya üzerine yazıyor.",
            ),
        ],
    ),
    (
        "kadir",
        "Kadir Duran",
        &[
            (
                "fr",
                "Kadir Duran rédige chaque mois les lettres d'information sur l'Asie centrale.",
            ),
            (
                "tr",
                "Kadir Duran her ay Orta Asya bültenlerini hazırlıyor.",
            ),
        ],
    ),
    (
        "desk",
        "Bruxelles Korner",
        &[
            ("fr", "La rédaction de Bruxelles Korner."),
            ("tr", "Bruxelles Korner yazı işleri."),
        ],
    ),
];

/// (key, names by locale) of every demo tag.
const TAGS: &[(&str, ByLocale)] = &[
    (
        "kazakhstan",
        &[
            ("tr", "Kazakistan"),
            ("fr", "Kazakhstan"),
            ("en", "Kazakhstan"),
        ],
    ),
    (
        "diplomacy",
        &[
            ("tr", "Diplomasi"),
            ("fr", "Diplomatie"),
            ("en", "Diplomacy"),
        ],
    ),
    (
        "logistics",
        &[
            ("tr", "Lojistik"),
            ("fr", "Logistique"),
            ("en", "Logistics"),
        ],
    ),
    (
        "reforms",
        &[("tr", "Reformlar"), ("fr", "Réformes"), ("en", "Reforms")],
    ),
    (
        "newsletter",
        &[("tr", "Bülten"), ("fr", "Newsletter"), ("en", "Newsletter")],
    ),
    (
        "economy",
        &[("tr", "Ekonomi"), ("fr", "Économie"), ("en", "Economy")],
    ),
    (
        "tax",
        &[("tr", "Vergi"), ("fr", "Fiscalité"), ("en", "Tax")],
    ),
];

/// One demo article: (category, authors, tags, published at, source, [(locale, title, summary, body)]).
type DemoArticle = (
    &'static str,
    &'static [&'static str],
    &'static [&'static str],
    &'static str,
    Option<(&'static str, &'static str)>,
    &'static [(&'static str, &'static str, &'static str, &'static str)],
);

const ARTICLES: &[DemoArticle] = &[
    (
        "kazakhstan",
        &["ayana"],
        &["kazakhstan", "diplomacy", "logistics", "reforms"],
        "2026-01-06T11:15:00",
        Some(("The Astana Times", "https://astanatimes.com/")),
        &[
            (
                "en",
                "Tokayev Outlines Foreign Policy, Reform Agenda for 2026 in Interview",
                "In an interview with the Turkistan newspaper, President Tokayev set out Kazakhstan's foreign policy, economic priorities and reform agenda for 2026.",
                include_str!("tokayev.en.html"),
            ),
            (
                "fr",
                "Tokaïev présente sa politique étrangère et son programme de réformes pour 2026",
                "Dans un entretien accordé au quotidien Turkistan, le président kazakh dresse les grandes lignes de sa politique étrangère et de ses réformes.",
                include_str!("tokayev.fr.html"),
            ),
            (
                "tr",
                "Tokayev, 2026 için dış politika ve reform gündemini açıkladı",
                "Türkistan gazetesine konuşan Cumhurbaşkanı Tokayev, Kazakistan'ın dış politikasını, ekonomik önceliklerini ve reform takvimini anlattı.",
                include_str!("tokayev.tr.html"),
            ),
        ],
    ),
    (
        "kyrgyzstan",
        &["kadir"],
        &["newsletter"],
        "2026-01-08T08:00:00",
        None,
        &[(
            "fr",
            "Quoi de neuf au Kirghizistan ? Par Kadir Duran – Janvier 2026 Newletter 2026 01",
            "La lettre d'information de janvier 2026 sur l'actualité politique et économique du Kirghizistan.",
            "<p>Bichkek ouvre l'année 2026 avec un budget tourné vers l'énergie et les infrastructures régionales.</p><p>Cette lettre revient sur les principales décisions du gouvernement, les échanges avec les pays voisins et les projets de coopération avec l'Union européenne.</p>",
        )],
    ),
    (
        "kazakhstan",
        &["kadir"],
        &["newsletter", "kazakhstan"],
        "2026-01-06T07:00:00",
        None,
        &[(
            "fr",
            "Quoi de neuf au Kazakhstan ? Newsletter – 6 Janvier 2026",
            "L'essentiel de l'actualité kazakhe de la fin décembre et du début janvier.",
            "<p>Le président Tokaïev a présenté son programme pour 2026 dans un entretien au quotidien Turkistan.</p><p>Au sommaire également : les corridors de transport, la réforme constitutionnelle et les perspectives économiques.</p>",
        )],
    ),
    (
        "kazakhstan",
        &["ayana"],
        &["kazakhstan", "reforms"],
        "2026-01-02T09:30:00",
        None,
        &[(
            "en",
            "President of the Republic of Kazakhstan Kassym-Jomart Tokayev: KAZAKHSTAN HAS ENTERED A NEW STAGE OF MODERNISATION",
            "The president's address on the next stage of Kazakhstan's political and economic modernisation.",
            "<p>Kazakhstan has entered a new stage of modernisation, President Kassym-Jomart Tokayev said, pointing to reforms of the parliament, the economy and public administration.</p><p>He called for a state built on justice, the rule of law and accountable institutions.</p>",
        )],
    ),
    (
        "uzbekistan",
        &["kadir"],
        &["newsletter", "economy"],
        "2026-01-03T10:00:00",
        None,
        &[(
            "fr",
            "Quoi de neuf en Ouzbékistan – Économie Période : 15–31 décembre 2025",
            "Le point sur l'économie ouzbèke pour la seconde quinzaine de décembre 2025.",
            "<p>Tachkent poursuit l'ouverture de son économie : privatisations, nouveaux accords commerciaux et investissements dans l'énergie solaire.</p><p>Les exportations agricoles progressent, tandis que l'inflation ralentit légèrement.</p>",
        )],
    ),
    (
        "tax",
        &["desk"],
        &["tax"],
        "2026-01-07T14:00:00",
        None,
        &[(
            "fr",
            "La suppression et à la modification de certains avantages fiscaux fédéraux",
            "Ce qui change pour les contribuables belges avec la réforme des avantages fiscaux fédéraux.",
            "<p>Le gouvernement fédéral supprime ou modifie plusieurs avantages fiscaux à partir de l'exercice d'imposition 2026.</p><p>Tax Man Bruxelles détaille les mesures qui concernent les ménages et les indépendants.</p>",
        )],
    ),
];

impl Newsroom {
    fn create(conn: &mut DbConnection) -> Result<Self, DomainError> {
        let mut category_ids = BTreeMap::new();
        for (position, (key, parent, names)) in CATEGORIES.iter().enumerate() {
            let parent_id = parent.and_then(|p| category_ids.get(p).copied());
            let id = categories::insert(conn, parent_id, i32::try_from(position).unwrap_or(0))?;
            for (locale, name) in *names {
                categories::put_translation(conn, id, locale, name, &slugify(name), None)?;
            }
            category_ids.insert(*key, id);
        }
        let mut author_ids = BTreeMap::new();
        for (key, name, bios) in AUTHORS {
            let id = authors::insert(
                conn,
                &AuthorFields {
                    name: (*name).into(),
                    slug: slugify(name),
                    user_id: None,
                    avatar_url: None,
                    links: "[]".into(),
                    avatar_media_id: None,
                },
            )?;
            for (locale, bio) in *bios {
                authors::put_bio(conn, id, locale, Some(bio))?;
            }
            authors::index(conn, id)?;
            author_ids.insert(*key, id);
        }
        let mut tag_ids = BTreeMap::new();
        for (key, names) in TAGS {
            let id = tags::insert(conn)?;
            for (locale, name) in *names {
                tags::put_translation(conn, id, locale, name, &slugify(name), None)?;
            }
            tag_ids.insert(*key, id);
        }
        Ok(Self {
            categories: category_ids,
            authors: author_ids,
            tags: tag_ids,
        })
    }

    /// Writes the seed page's header menu: its categories, Central Asia with its countries.
    fn write_menu(&self, conn: &mut DbConnection) -> Result<(), DomainError> {
        let item =
            |key: &str, labels: [(&str, &str); 3], children: Vec<MenuChildInput>| MenuItemInput {
                labels: labels
                    .into_iter()
                    .map(|(locale, label)| (locale.to_owned(), label.to_owned()))
                    .collect(),
                kind: TargetKind::Category,
                target_id: Some(self.categories[key]),
                url: None,
                children,
            };
        let child = |key: &str, labels: [(&str, &str); 3]| {
            let item = item(key, labels, Vec::new());
            MenuChildInput {
                labels: item.labels,
                kind: item.kind,
                target_id: item.target_id,
                url: None,
            }
        };
        let countries = vec![
            child(
                "kazakhstan",
                [
                    ("tr", "Kazakistan"),
                    ("fr", "Kazakhstan"),
                    ("en", "Kazakhstan"),
                ],
            ),
            child(
                "kyrgyzstan",
                [
                    ("tr", "Kırgızistan"),
                    ("fr", "Kirghizistan"),
                    ("en", "Kyrgyzstan"),
                ],
            ),
            child(
                "uzbekistan",
                [
                    ("tr", "Özbekistan"),
                    ("fr", "Ouzbékistan"),
                    ("en", "Uzbekistan"),
                ],
            ),
        ];
        let items = vec![
            item(
                "belgium",
                [
                    ("tr", "BELÇİKA HABER"),
                    ("fr", "ACTUALITÉ BELGIQUE"),
                    ("en", "BELGIUM"),
                ],
                vec![],
            ),
            item(
                "tax",
                [
                    ("tr", "TAX MAN BRUXELLES"),
                    ("fr", "TAX MAN BRUXELLES"),
                    ("en", "TAX MAN BRUSSELS"),
                ],
                vec![],
            ),
            item(
                "central-asia",
                [
                    ("tr", "ORTA ASYA"),
                    ("fr", "ASIE CENTRALE"),
                    ("en", "CENTRAL ASIA"),
                ],
                countries,
            ),
            item(
                "turkey",
                [
                    ("tr", "HABER TÜRKİYE"),
                    ("fr", "ACTUALITÉ TURQUIE"),
                    ("en", "TURKEY"),
                ],
                vec![],
            ),
            item(
                "programmes",
                [
                    ("tr", "BRUXELLES KORNER PROGRAMLARI"),
                    ("fr", "PROGRAMMES"),
                    ("en", "PROGRAMMES"),
                ],
                vec![],
            ),
            item(
                "health",
                [("tr", "SAĞLIK"), ("fr", "SANTÉ"), ("en", "HEALTH")],
                vec![],
            ),
            item(
                "culture",
                [
                    ("tr", "KÜLTÜR SANAT & SPOR"),
                    ("fr", "CULTURE ET SPORT"),
                    ("en", "CULTURE & SPORT"),
                ],
                vec![],
            ),
        ];
        let items = serde_json::to_string(&items).unwrap_or_else(|_| "[]".into());
        menus::insert(conn, "header", &items)?;
        Ok(())
    }

    /// Writes the demo articles with their covers from `pictures` (in article order, then the
    /// picture of the interview, the first article); returns their ids in order.
    fn write_articles(
        &self,
        conn: &mut DbConnection,
        pictures: &[i64],
    ) -> Result<Vec<i64>, DomainError> {
        let mut ids = Vec::new();
        for (n, (category, bylines, tag_keys, published_at, source, translations)) in
            ARTICLES.iter().enumerate()
        {
            let published_at = NaiveDateTime::parse_from_str(published_at, "%Y-%m-%dT%H:%M:%S")
                .expect("the demo dates are well-formed");
            let fields = ArticleFields {
                category_id: self.categories[category],
                status: ArticleStatus::Published.as_str().into(),
                published_at: Some(published_at),
                unpublish_at: None,
                featured: translations.len() > 1,
                comments_enabled: true,
                source_name: source.map(|(name, _)| name.to_owned()),
                source_url: source.map(|(_, url)| url.to_owned()),
                cover_media_id: pictures.get(n).copied(),
                source_locale: translations[0].0.into(),
            };
            let id = articles::insert(conn, &fields, None)?;
            let author_ids: Vec<i64> = bylines.iter().map(|key| self.authors[key]).collect();
            articles::set_authors(conn, id, &author_ids)?;
            let tag_ids: Vec<i64> = tag_keys.iter().map(|key| self.tags[key]).collect();
            articles::set_tags(conn, id, &tag_ids)?;
            let row = articles::find(conn, id)?;
            let inline = pictures.get(pictures::COVERS).filter(|_| n == 0);
            for (locale, title, summary, body) in *translations {
                let body = match inline {
                    Some(picture) => with_picture(body, *picture),
                    None => (*body).to_owned(),
                };
                let input = TranslationInput {
                    title: (*title).into(),
                    slug: None,
                    summary: Some((*summary).into()),
                    body,
                    seo_title: None,
                    seo_description: None,
                    status: Some(TranslationStatus::Published),
                    publish_at: None,
                    unpublish_at: None,
                };
                let prepared = PreparedTranslation::new(locale, input, "body", &DEMO_SANITIZER)?;
                save_translation(conn, &row, locale, &prepared, None, None)?;
            }
            ids.push(id);
        }
        Ok(ids)
    }
}

/// Reactions to the demo articles, per seeded kind (love, applause, funny, amazing, sad,
/// angry), in article order.
const REACTIONS: [[usize; 6]; 5] = [
    [14, 9, 1, 4, 0, 2],
    [5, 3, 0, 1, 0, 0],
    [3, 1, 0, 2, 1, 0],
    [2, 4, 0, 0, 0, 1],
    [1, 0, 2, 0, 3, 1],
];

/// Comment threads under the demo articles: (article index, parent index in this list, author,
/// text, approved). Visitors wrote them; the last one still waits for a moderator.
const COMMENTS: &[(usize, Option<usize>, &str, &str, bool)] = &[
    (
        0,
        None,
        "Aigerim",
        "Çok açıklayıcı bir röportaj, teşekkürler. Türkçe çeviri için ayrıca teşekkür ederim.",
        true,
    ),
    (
        0,
        Some(0),
        "Murat",
        "Katılıyorum; özellikle Orta Koridor kısmı önemli.",
        true,
    ),
    (
        0,
        Some(1),
        "Aigerim",
        "Evet, lojistik 2026'nın ana konusu olacak gibi.",
        true,
    ),
    (
        0,
        None,
        "Claire",
        "Merci pour la traduction française du résumé. Une version complète est-elle prévue ?",
        true,
    ),
    (
        0,
        Some(3),
        "Léa",
        "Je crois que la traduction complète arrive cette semaine.",
        true,
    ),
    (
        0,
        None,
        "John",
        "Great interview. Any link to the referendum timeline?",
        true,
    ),
    (
        1,
        None,
        "Bakyt",
        "Kırgızistan haberlerini buradan takip etmek çok iyi.",
        true,
    ),
    (
        1,
        Some(6),
        "Sophie",
        "D'accord, la newsletter est très utile.",
        true,
    ),
    (
        3,
        None,
        "Marc",
        "Les montants concernés sont-ils rétroactifs ?",
        true,
    ),
    (
        0,
        None,
        "anonymous",
        "Click here for cheap flights!!!",
        false,
    ),
];

/// Demo readers' reactions and comment threads, written by demo visitors.
fn write_interaction(conn: &mut DbConnection, articles: &[i64]) -> Result<(), DomainError> {
    use crate::auth::actor::Actor;
    use crate::comments::model::{AuthorKind, CommentStatus, NewComment};
    use crate::comments::store as comments;
    use crate::reactions::store as reactions;

    let kinds = reactions::kinds(conn, false)?;
    let needed = REACTIONS
        .iter()
        .map(|counts| counts.iter().sum::<usize>())
        .chain([COMMENTS.len()])
        .max()
        .unwrap_or(0);
    let visitors = (0..needed)
        .map(|_| crate::auth::store::create_visitor(conn))
        .collect::<Result<Vec<i64>, _>>()?;
    for (article, counts) in articles.iter().zip(REACTIONS) {
        let mut next = visitors.iter();
        for (kind, count) in kinds.iter().zip(counts) {
            for visitor in next.by_ref().take(count) {
                reactions::set(conn, *article, Actor::Visitor(*visitor), kind.id)?;
            }
        }
    }
    let mut written: Vec<(i64, Option<i64>, i32)> = Vec::new();
    for (index, (article, parent, author, text, approved)) in COMMENTS.iter().enumerate() {
        let Some(article_id) = articles.get(*article) else {
            continue;
        };
        let (parent_id, root_id, depth) = match parent.and_then(|p| written.get(p)) {
            Some((id, root, depth)) => (Some(*id), Some(root.unwrap_or(*id)), depth + 1),
            None => (None, None, 1),
        };
        let row = comments::insert(
            conn,
            &NewComment {
                article_id: *article_id,
                parent_id,
                root_id,
                depth,
                user_id: None,
                visitor_id: Some(visitors[index]),
                author_name: (*author).into(),
                author_kind: AuthorKind::Visitor.as_str(),
                body: Some((*text).into()),
                status: if *approved {
                    CommentStatus::Approved.as_str()
                } else {
                    CommentStatus::Pending.as_str()
                },
                visible: *approved,
                created_at: db::now(),
            },
        )?;
        written.push((row.id, row.root_id, row.depth));
    }
    Ok(())
}

/// Words synthetic articles are made of, per locale.
fn vocabulary(locale: &str) -> &'static [&'static str] {
    match locale {
        "tr" => &[
            "haber",
            "ekonomi",
            "seçim",
            "belediye",
            "brüksel",
            "avrupa",
            "toplantı",
            "açıkladı",
            "gündem",
            "öğrenci",
            "sağlık",
            "kültür",
            "spor",
            "yatırım",
            "ticaret",
            "göç",
            "güvenlik",
            "enerji",
            "ulaşım",
            "şehir",
            "vatandaş",
            "meclis",
            "bakan",
            "proje",
            "çalışma",
            "bölge",
            "dünya",
            "ülke",
            "hafta",
            "yıl",
            "büyük",
            "yeni",
            "önemli",
            "kararı",
            "ile",
            "ve",
            "için",
        ],
        "fr" => &[
            "actualité",
            "économie",
            "élection",
            "commune",
            "bruxelles",
            "europe",
            "réunion",
            "annonce",
            "agenda",
            "étudiant",
            "santé",
            "culture",
            "sport",
            "investissement",
            "commerce",
            "sécurité",
            "énergie",
            "transport",
            "ville",
            "citoyen",
            "parlement",
            "ministre",
            "projet",
            "région",
            "monde",
            "pays",
            "semaine",
            "année",
            "grand",
            "nouveau",
            "important",
            "décision",
            "avec",
            "et",
            "pour",
            "le",
            "la",
            "les",
        ],
        _ => &[
            "news",
            "economy",
            "election",
            "council",
            "brussels",
            "europe",
            "meeting",
            "announced",
            "agenda",
            "student",
            "health",
            "culture",
            "sport",
            "investment",
            "trade",
            "security",
            "energy",
            "transport",
            "city",
            "citizen",
            "parliament",
            "minister",
            "project",
            "region",
            "world",
            "country",
            "week",
            "year",
            "large",
            "new",
            "important",
            "decision",
            "with",
            "and",
            "for",
            "the",
            "of",
        ],
    }
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// A small deterministic generator (xorshift64*), so synthetic data is the same every run.
struct Random(u64);

impl Random {
    fn new(seed: u64) -> Self {
        Self(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn pick(&mut self, words: &'static [&'static str]) -> &'static str {
        let index = usize::try_from(self.next() % words.len() as u64).unwrap_or(0);
        words[index]
    }

    fn sentence(&mut self, words: &'static [&'static str], length: usize) -> String {
        (0..length)
            .map(|_| self.pick(words))
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Paragraphs of about `bytes` bytes of HTML.
    fn body(&mut self, words: &'static [&'static str], bytes: usize) -> String {
        let mut body = String::with_capacity(bytes + 200);
        while body.len() < bytes {
            body.push_str("<p>");
            body.push_str(&capitalized(&self.sentence(words, 40)));
            body.push_str(".</p>");
        }
        body
    }
}
