//! The routes the API documents, with their methods, for telling a wrong method (405) from an
//! unknown route (404).

use actix_web::dev::ResourceDef;

/// The routes the API documents, with their methods: what tells a wrong method (405) from an
/// unknown route (404).
pub struct RouteTable {
    routes: Vec<(ResourceDef, Vec<String>)>,
}

impl RouteTable {
    /// Builds the table from the OpenAPI document, the single list of every route.
    pub fn from_openapi(document: &utoipa::openapi::OpenApi) -> Self {
        let routes = document
            .paths
            .paths
            .iter()
            .map(|(path, item)| {
                // Every GET route answers HEAD too (see `head_as_get`).
                let methods = [
                    ("DELETE", &item.delete),
                    ("GET", &item.get),
                    ("HEAD", &item.get),
                    ("PATCH", &item.patch),
                    ("POST", &item.post),
                    ("PUT", &item.put),
                ]
                .into_iter()
                .filter(|(_, operation)| operation.is_some())
                .map(|(method, _)| method.to_owned())
                .collect();
                (ResourceDef::new(path.as_str()), methods)
            })
            .collect();
        Self { routes }
    }

    /// The methods the route matching `path` accepts, if any route matches.
    pub fn methods_for(&self, path: &str) -> Option<&[String]> {
        self.routes
            .iter()
            .find(|(def, _)| def.is_match(path))
            .map(|(_, methods)| methods.as_slice())
    }
}
