//! Site settings: what every page's frame shows beside the content. That is the site's name,
//! description and copyright line per locale, its social links and its contact details, with
//! the site's locales. Admins edit them under `/api/v1/admin/site`; the delivery API serves
//! them at `/api/v1/site`, in one cached call.

pub mod model;
pub mod routes;
pub mod store;
