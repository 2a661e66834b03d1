//! The portal's imprint ("Künye") and privacy policy ("Gizlilik Politikası") in Turkish, French
//! and English, and the footer menu that links them, as the seed page's footer does.

use crate::articles::model::{PreparedTranslation, TranslationInput, TranslationStatus};
use crate::db::{self, DbConnection};
use crate::domain::DomainError;
use crate::menus::model::{MenuItemInput, TargetKind};
use crate::menus::store as menus;
use crate::pages::model::{PageFields, PageStatus};
use crate::pages::store as pages;

use super::DEMO_SANITIZER;

/// A demo page: its key and its (locale, title, slug, body) translations.
type DemoPage = (
    &'static str,
    [(&'static str, &'static str, &'static str, &'static str); 3],
);

const PAGES: [DemoPage; 2] = [
    (
        "imprint",
        [
            (
                "tr",
                "Künye",
                "kunye",
                "<p><strong>Bruxelles Korner</strong>, Brüksel merkezli AEPI ASBL tarafından \
                 yayımlanan Türkçe, Fransızca ve İngilizce bir haber portalıdır.</p>\
                 <h2>Yayıncı</h2><p>AEPI ASBL, Brüksel, Belçika</p>\
                 <h2>Yayın ilkeleri</h2><p>Haberlerimiz Belçika, Türkiye ve Orta Asya'dan; \
                 düzeltmeler yazının altında tarihiyle yayımlanır.</p>\
                 <h2>Yazılım</h2><p>Onemsoft</p>",
            ),
            (
                "fr",
                "Mentions légales",
                "mentions-legales",
                "<p><strong>Bruxelles Korner</strong> est un portail d'information en turc, en \
                 français et en anglais, édité à Bruxelles par AEPI ASBL.</p>\
                 <h2>Éditeur</h2><p>AEPI ASBL, Bruxelles, Belgique</p>\
                 <h2>Principes éditoriaux</h2><p>Nos informations couvrent la Belgique, la \
                 Turquie et l'Asie centrale ; les corrections sont publiées et datées sous \
                 l'article.</p>\
                 <h2>Logiciel</h2><p>Onemsoft</p>",
            ),
            (
                "en",
                "Imprint",
                "imprint",
                "<p><strong>Bruxelles Korner</strong> is a news portal in Turkish, French and \
                 English, published in Brussels by AEPI ASBL.</p>\
                 <h2>Publisher</h2><p>AEPI ASBL, Brussels, Belgium</p>\
                 <h2>Editorial principles</h2><p>We report on Belgium, Türkiye and Central \
                 Asia; corrections are published, dated, under the article.</p>\
                 <h2>Software</h2><p>Onemsoft</p>",
            ),
        ],
    ),
    (
        "privacy",
        [
            (
                "tr",
                "Gizlilik Politikası",
                "gizlilik-politikasi",
                "<p>Bruxelles Korner okurlarından yalnızca hizmet için gereken verileri \
                 toplar.</p><h2>Yorumlar ve tepkiler</h2><p>Yorum yazarken verdiğiniz ad ve \
                 yorumunuz saklanır; tepkiler anonim bir ziyaretçi kimliğiyle sayılır.</p>\
                 <h2>Bülten</h2><p>E-posta adresiniz yalnızca onayladığınız bültenler için \
                 kullanılır; her e-postadaki bağlantıyla aboneliğinizi sonlandırabilirsiniz.</p>\
                 <h2>Haklarınız</h2><p>Verilerinizin silinmesini AEPI ASBL'den \
                 isteyebilirsiniz.</p>",
            ),
            (
                "fr",
                "Politique de confidentialité",
                "politique-de-confidentialite",
                "<p>Bruxelles Korner ne collecte auprès de ses lecteurs que les données \
                 nécessaires au service.</p><h2>Commentaires et réactions</h2><p>Le nom donné \
                 et le commentaire sont conservés ; les réactions sont comptées sous un \
                 identifiant de visiteur anonyme.</p><h2>Lettre d'information</h2><p>Votre \
                 adresse ne sert qu'aux lettres que vous avez confirmées ; le lien de chaque \
                 courriel vous désabonne.</p><h2>Vos droits</h2><p>Vous pouvez demander \
                 l'effacement de vos données à AEPI ASBL.</p>",
            ),
            (
                "en",
                "Privacy Policy",
                "privacy-policy",
                "<p>Bruxelles Korner collects from its readers only the data the service \
                 needs.</p><h2>Comments and reactions</h2><p>The name you give and your comment \
                 are kept; reactions are counted under an anonymous visitor identity.</p>\
                 <h2>Newsletter</h2><p>Your address is used only for the newsletters you \
                 confirmed; the link in every email unsubscribes you.</p><h2>Your rights</h2>\
                 <p>You may ask AEPI ASBL to erase your data.</p>",
            ),
        ],
    ),
];

/// Writes the published imprint and privacy pages and the footer menu linking them.
pub fn write(conn: &mut DbConnection) -> Result<(), DomainError> {
    let mut items = Vec::new();
    for (position, (key, translations)) in PAGES.iter().enumerate() {
        let fields = PageFields {
            key: Some((*key).to_owned()),
            parent_id: None,
            position: position as i32,
            status: PageStatus::Published.as_str().to_owned(),
            published_at: Some(db::now()),
            source_locale: "tr".to_owned(),
        };
        let id = pages::insert(conn, &fields, None)?;
        let row = pages::find(conn, id)?;
        for (locale, title, slug, body) in translations {
            let input = TranslationInput {
                title: (*title).to_owned(),
                slug: Some((*slug).to_owned()),
                summary: None,
                body: (*body).to_owned(),
                seo_title: None,
                seo_description: None,
                status: Some(TranslationStatus::Published),
                publish_at: None,
                unpublish_at: None,
            };
            let prepared = PreparedTranslation::new(locale, input, "body", &DEMO_SANITIZER)?;
            pages::save_translation(conn, &row, locale, &prepared, None, None)?;
        }
        items.push(MenuItemInput {
            labels: translations
                .iter()
                .map(|(locale, title, _, _)| ((*locale).to_owned(), (*title).to_owned()))
                .collect(),
            kind: TargetKind::Page,
            target_id: Some(id),
            url: None,
            children: Vec::new(),
        });
    }
    let items = serde_json::to_string(&items).unwrap_or_else(|_| "[]".into());
    menus::insert(conn, "footer", &items)?;
    Ok(())
}
