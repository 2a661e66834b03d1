//! Every route of the API, registered through utoipa so the OpenAPI document lists exactly what
//! is served, and the document assembled from them.

use actix_web::App;
use utoipa::OpenApi;
use utoipa_actix_web::service_config::ServiceConfig;
use utoipa_actix_web::{AppExt, scope};

use crate::auth::routes as auth_routes;
use crate::openapi::{ApiDoc, add_shared_answers};
use crate::operations::routes as ops;
use crate::{
    api_keys, articles, audit, authors, categories, comments, events, feeds, locales, media, menus,
    pages, previews, reactions, reads, search, site, sitemaps, tags, users, webhooks,
};

/// Every documented route, registered through utoipa so the document lists exactly what is
/// served.
pub fn api_routes(config: &mut ServiceConfig) {
    config
        .service(ops::healthz)
        .service(ops::readyz)
        .service(ops::prometheus_metrics)
        .service(ops::openapi_json)
        .service(feeds::routes::rss_feed)
        .service(feeds::routes::atom_feed)
        .service(feeds::routes::json_feed)
        .service(media::routes::public::media_file)
        .service(sitemaps::routes::sitemap_index)
        .service(sitemaps::routes::news_sitemap)
        .service(sitemaps::routes::sitemap_file)
        .service(
            scope("/api/v1")
                .service(locales::routes::list_locales)
                .service(categories::routes::public::list_categories)
                .service(categories::routes::public::get_category)
                .service(tags::routes::public::list_tags)
                .service(authors::routes::public::list_authors)
                .service(articles::routes::public::list_articles)
                .service(articles::routes::public::article_sections)
                .service(articles::routes::public::related_articles)
                .service(articles::routes::public::get_article)
                .service(reactions::routes::public::list_reaction_kinds)
                .service(reactions::routes::public::get_reactions)
                .service(reactions::routes::public::put_reaction)
                .service(reactions::routes::public::delete_reaction)
                .service(comments::routes::public::list_comments)
                .service(comments::routes::public::post_comment)
                .service(comments::routes::public::list_replies)
                .service(comments::routes::public::delete_comment)
                .service(comments::routes::public::report_comment)
                .service(comments::routes::public::my_comments)
                .service(articles::routes::public::archive)
                .service(authors::routes::public::get_author)
                .service(tags::routes::public::get_tag)
                .service(site::routes::public::get_site)
                .service(media::routes::public::get_public_media)
                .service(menus::routes::public::get_menu)
                .service(reads::routes::record_view)
                .service(previews::routes::public::get_preview)
                .service(pages::routes::public::list_pages)
                .service(pages::routes::public::get_page)
                .service(search::routes::public::search)
                .service(search::routes::public::suggest)
                .service(events::routes::public::list_changes)
                .service(
                    scope("/auth")
                        .service(auth_routes::register)
                        .service(auth_routes::login)
                        .service(auth_routes::refresh)
                        .service(auth_routes::logout)
                        .service(auth_routes::logout_all)
                        .service(auth_routes::visitor)
                        .service(auth_routes::get_me)
                        .service(auth_routes::update_me),
                )
                .service(
                    scope("/admin")
                        .service(users::routes::list_users)
                        .service(users::routes::create_user)
                        .service(users::routes::get_user)
                        .service(users::routes::update_user)
                        .service(users::routes::delete_user)
                        .service(locales::routes::admin_list_locales)
                        .service(locales::routes::create_locale)
                        .service(locales::routes::update_locale)
                        .service(locales::routes::delete_locale)
                        .service(site::routes::admin::admin_get_site)
                        .service(site::routes::admin::replace_site)
                        .service(media::routes::admin::list_media)
                        .service(media::routes::admin::upload_media)
                        .service(media::routes::admin::get_media)
                        .service(media::routes::admin::update_media)
                        .service(media::routes::admin::delete_media)
                        .service(menus::routes::admin::list_menus)
                        .service(menus::routes::admin::create_menu)
                        .service(menus::routes::admin::admin_get_menu)
                        .service(menus::routes::admin::replace_menu)
                        .service(menus::routes::admin::delete_menu)
                        .service(pages::routes::admin::admin_list_pages)
                        .service(pages::routes::admin::create_page)
                        .service(pages::routes::admin::admin_get_page)
                        .service(pages::routes::admin::update_page)
                        .service(pages::routes::admin::delete_page)
                        .service(pages::routes::admin::put_page_translation)
                        .service(pages::routes::admin::delete_page_translation)
                        .service(pages::routes::admin::list_page_revisions)
                        .service(pages::routes::admin::get_page_revision)
                        .service(pages::routes::admin::restore_page_revision)
                        .service(previews::routes::admin::create_article_preview)
                        .service(previews::routes::admin::list_article_previews)
                        .service(previews::routes::admin::create_page_preview)
                        .service(previews::routes::admin::list_page_previews)
                        .service(previews::routes::admin::revoke_preview)
                        .service(articles::routes::admin::get_schedule)
                        .service(categories::routes::admin::admin_list_categories)
                        .service(categories::routes::admin::create_category)
                        .service(categories::routes::admin::admin_get_category)
                        .service(categories::routes::admin::update_category)
                        .service(categories::routes::admin::delete_category)
                        .service(tags::routes::admin::admin_list_tags)
                        .service(tags::routes::admin::create_tag)
                        .service(tags::routes::admin::admin_get_tag)
                        .service(tags::routes::admin::update_tag)
                        .service(tags::routes::admin::delete_tag)
                        .service(authors::routes::admin::admin_list_authors)
                        .service(authors::routes::admin::create_author)
                        .service(authors::routes::admin::admin_get_author)
                        .service(authors::routes::admin::update_author)
                        .service(authors::routes::admin::delete_author)
                        .service(articles::routes::admin::admin_list_articles)
                        .service(articles::routes::admin::create_article)
                        .service(articles::routes::admin::admin_get_article)
                        .service(articles::routes::admin::update_article)
                        .service(articles::routes::admin::delete_article)
                        .service(articles::routes::admin::put_translation)
                        .service(articles::routes::admin::delete_translation)
                        .service(articles::routes::admin::list_revisions)
                        .service(articles::routes::admin::get_revision)
                        .service(articles::routes::admin::restore_revision)
                        .service(reactions::routes::admin::admin_list_reaction_kinds)
                        .service(reactions::routes::admin::create_reaction_kind)
                        .service(reactions::routes::admin::update_reaction_kind)
                        .service(reactions::routes::admin::retire_reaction_kind)
                        .service(comments::routes::admin::moderation_queue)
                        .service(comments::routes::admin::moderate_comments)
                        .service(comments::routes::admin::moderate_comment)
                        .service(comments::routes::admin::list_bans)
                        .service(comments::routes::admin::create_ban)
                        .service(comments::routes::admin::delete_ban)
                        .service(api_keys::routes::admin::list_api_keys)
                        .service(api_keys::routes::admin::create_api_key)
                        .service(api_keys::routes::admin::delete_api_key)
                        .service(webhooks::routes::admin::list_webhooks)
                        .service(webhooks::routes::admin::create_webhook)
                        .service(webhooks::routes::admin::get_webhook)
                        .service(webhooks::routes::admin::update_webhook)
                        .service(webhooks::routes::admin::delete_webhook)
                        .service(webhooks::routes::admin::list_deliveries)
                        .service(webhooks::routes::admin::retry_delivery)
                        .service(webhooks::routes::admin::ping_webhook)
                        .service(audit::routes::admin::list_audit),
                ),
        );
}

/// The complete OpenAPI document, as the server serves it.
pub fn openapi_document() -> utoipa::openapi::OpenApi {
    let mut document = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(api_routes)
        .split_for_parts()
        .1;
    crate::openapi::add_key_scopes(&mut document);
    add_shared_answers(&mut document);
    crate::contract::apply(&mut document);
    document
}

/// The document as the pretty-printed JSON committed in `openapi/openapi.json`.
pub fn openapi_json() -> String {
    let mut json = openapi_document()
        .to_pretty_json()
        .expect("the OpenAPI document serialises");
    json.push('\n');
    json
}
