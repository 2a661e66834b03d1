//! Prometheus metrics: requests by route and status, a latency histogram, and the pool's state.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::encoding::prometheus_text;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

use crate::db::DbPool;

/// Labels of one request series: the route pattern (not the raw path, so ids don't explode the
/// series count), the method and the status. Every label has a closed set of values, so no
/// client can grow the series without bound.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    route: String,
    status: u16,
}

/// Labels of one latency series.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    method: String,
    route: String,
}

/// Latency buckets in seconds, from 0.5 ms to 10 s.
const LATENCY_BUCKETS: [f64; 14] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// The process's metrics.
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<RouteLabels, Histogram>,
    pool_connections: Gauge,
    pool_idle: Gauge,
    pool_max: Gauge,
    queries: Counter,
    listener_connected: Gauge,
    listener_connects: Counter,
    purge_messages: Counter,
    reads_counted: Counter,
    reads_writes: Counter,
    schedule_overdue: Gauge,
    schedule_last_run: Gauge,
    schedule_applied: Counter,
    webhook_delivered: Counter,
    webhook_failed: Counter,
    /// Serialises renders, which bring `queries` up to the pool's count.
    render_lock: std::sync::Mutex<()>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// A registry with every metric at zero.
    pub fn new() -> Self {
        let mut registry = Registry::default();
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "http_requests",
            "HTTP requests answered, by method, route pattern and status",
            requests.clone(),
        );
        let latency = Family::<RouteLabels, Histogram>::new_with_constructor(
            (|| Histogram::new(LATENCY_BUCKETS)) as fn() -> Histogram,
        );
        registry.register(
            "http_request_duration_seconds",
            "Time from request to response, by method and route pattern",
            latency.clone(),
        );
        let pool_connections = Gauge::default();
        registry.register(
            "db_pool_connections",
            "Connections the database pool holds",
            pool_connections.clone(),
        );
        let pool_idle = Gauge::default();
        registry.register(
            "db_pool_idle_connections",
            "Connections in the pool not checked out",
            pool_idle.clone(),
        );
        let pool_max = Gauge::default();
        registry.register(
            "db_pool_max_connections",
            "Largest number of connections the pool may hold",
            pool_max.clone(),
        );
        let queries = Counter::default();
        registry.register(
            "db_queries",
            "SQL statements run on the pool's connections",
            queries.clone(),
        );
        let listener_connected = Gauge::default();
        registry.register(
            "cache_listener_connected",
            "1 while this instance listens for other instances' cache purges (PostgreSQL), else 0",
            listener_connected.clone(),
        );
        let listener_connects = Counter::default();
        registry.register(
            "cache_listener_connects",
            "Times the cache listener (re)connected; each empties the cache, as messages may \
             have been missed",
            listener_connects.clone(),
        );
        let purge_messages = Counter::default();
        registry.register(
            "cache_purge_messages",
            "Cache purge messages received from writes on any instance",
            purge_messages.clone(),
        );
        let reads_counted = Counter::default();
        registry.register(
            "article_reads_counted",
            "Reads of articles counted (once per reader, article and hour)",
            reads_counted.clone(),
        );
        let reads_writes = Counter::default();
        registry.register(
            "article_reads_writes",
            "Transactions that wrote counted reads to the database",
            reads_writes.clone(),
        );
        let schedule_overdue = Gauge::default();
        registry.register(
            "schedule_overdue",
            "Scheduled transitions due more than a second ago and not applied yet",
            schedule_overdue.clone(),
        );
        let schedule_last_run = Gauge::default();
        registry.register(
            "schedule_last_run_timestamp_seconds",
            "When this instance's scheduler last looked for due transitions (Unix time)",
            schedule_last_run.clone(),
        );
        let schedule_applied = Counter::default();
        registry.register(
            "schedule_transitions_applied",
            "Scheduled transitions this instance applied",
            schedule_applied.clone(),
        );
        let webhook_delivered = Counter::default();
        registry.register(
            "webhook_deliveries_succeeded",
            "Webhook attempts this instance made that the endpoint accepted",
            webhook_delivered.clone(),
        );
        let webhook_failed = Counter::default();
        registry.register(
            "webhook_deliveries_failed",
            "Webhook attempts this instance made that failed (to be retried or given up)",
            webhook_failed.clone(),
        );
        Self {
            webhook_delivered,
            webhook_failed,
            reads_counted,
            reads_writes,
            schedule_overdue,
            schedule_last_run,
            schedule_applied,
            render_lock: std::sync::Mutex::new(()),
            listener_connected,
            listener_connects,
            purge_messages,
            queries,
            registry,
            requests,
            latency,
            pool_connections,
            pool_idle,
            pool_max,
        }
    }

    /// Counts one answered request.
    pub fn observe(&self, method: &str, route: &str, status: u16, seconds: f64) {
        let method = method_label(method);
        self.requests
            .get_or_create(&RequestLabels {
                method: method.to_owned(),
                route: route.to_owned(),
                status,
            })
            .inc();
        self.latency
            .get_or_create(&RouteLabels {
                method: method.to_owned(),
                route: route.to_owned(),
            })
            .observe(seconds);
    }

    /// Records whether the cache listener is connected; `connected` after being away counts a
    /// (re)connection.
    pub fn listener(&self, connected: bool) {
        if connected {
            self.listener_connects.inc();
        }
        self.listener_connected.set(i64::from(connected));
    }

    /// Counts a read of an article that counted.
    pub fn read_counted(&self) {
        self.reads_counted.inc();
    }

    /// Counts a transaction that wrote counted reads.
    pub fn reads_written(&self) {
        self.reads_writes.inc();
    }

    /// Records a run of the scheduler: when, and how many transitions were overdue.
    pub fn scheduler_ran(&self, at_unix: i64, overdue: i64) {
        self.schedule_last_run.set(at_unix);
        self.schedule_overdue.set(overdue);
    }

    /// Counts scheduled transitions applied here.
    pub fn transitions_applied(&self, count: u64) {
        self.schedule_applied.inc_by(count);
    }

    /// Counts one webhook attempt.
    pub fn webhook_attempt(&self, succeeded: bool) {
        if succeeded {
            self.webhook_delivered.inc();
        } else {
            self.webhook_failed.inc();
        }
    }

    /// Counts a cache purge message received.
    pub fn purge_message(&self) {
        self.purge_messages.inc();
    }

    /// The Prometheus text exposition (format 0.0.4), with the pool's state read now.
    pub fn render(&self, pool: &DbPool, queries: u64) -> String {
        let state = pool.state();
        let _guard = self.render_lock.lock();
        self.queries
            .inc_by(queries.saturating_sub(self.queries.get()));
        self.pool_connections.set(i64::from(state.connections));
        self.pool_idle.set(i64::from(state.idle_connections));
        self.pool_max.set(i64::from(pool.max_size()));
        let mut text = String::new();
        // Writing into a String can't fail.
        let _ = prometheus_text::encode(&mut text, &self.registry);
        text
    }
}

/// `Content-Type` of [`Metrics::render`]'s output.
pub const CONTENT_TYPE: &str = prometheus_text::CONTENT_TYPE;

/// The method as a label: the standard methods by name, anything else `OTHER` (a client may
/// send any token as a method).
pub fn method_label(method: &str) -> &'static str {
    const KNOWN: [&str; 9] = [
        "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "CONNECT", "TRACE",
    ];
    KNOWN
        .into_iter()
        .find(|known| *known == method)
        .unwrap_or("OTHER")
}
