//! `cutover simulate`: serve the scenario's exporters on loopback until interrupted.

use std::net::SocketAddr;

use super::args::SimulateArgs;
use super::record::StopSignals;
use super::Failure;
use crate::simulate::serve;

pub async fn run(args: &SimulateArgs) -> Result<u8, Failure> {
    let listen: SocketAddr = args
        .listen
        .parse()
        .map_err(|e| Failure::usage(format!("--listen {}: {e}", args.listen)))?;
    if !listen.ip().is_loopback() {
        return Err(Failure::usage(format!(
            "--listen {listen}: the simulator serves on loopback only (127.0.0.1 or [::1])"
        )));
    }
    let handle = serve(listen, &args.scenario, args.speed)
        .await
        .map_err(|e| Failure::runtime(e.to_string()))?;
    if args.print_config {
        super::status::write_stdout(&handle.config_toml())?;
    }
    crate::errln!(
        "simulating scenario {:?} at {}× on {} (runtime API on {}); Ctrl-C stops",
        args.scenario,
        args.speed,
        handle.base_url(),
        handle.runtime_api_addr()
    );
    StopSignals::new()?.wait().await;
    Ok(0)
}
