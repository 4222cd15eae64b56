//! `cutover simulate`: serve the scenario's exporters on loopback until interrupted.

use super::args::SimulateArgs;
use super::Failure;

#[cfg(feature = "sim")]
pub async fn run(args: &SimulateArgs) -> Result<u8, Failure> {
    use super::record::StopSignals;
    use cutover_sim::serve;
    use std::net::SocketAddr;

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

/// Without the simulator (cargo feature `sim`) the subcommand is known but refused.
#[cfg(not(feature = "sim"))]
pub async fn run(_args: &SimulateArgs) -> Result<u8, Failure> {
    Err(Failure::usage(
        "this cutover was built without the simulator (cargo feature `sim`)",
    ))
}
