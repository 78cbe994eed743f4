//! Runs the evaluation without the `tween` CLI, for trying the library out:
//! `cargo run --release -p tween-eval --example eval -- OUT_DIR [WxH] [FRAMES] [CLIPS] [TWEEN_BINARY]`
//! where CLIPS is a comma-separated list of clip names or `all`.

use tween_eval::{ClipKind, EvalConfig};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut cfg = EvalConfig::new(args.first().map(String::as_str).unwrap_or("eval-out"));
    if let Some((w, h)) = args.get(1).and_then(|s| s.split_once('x')) {
        (cfg.width, cfg.height) = (w.parse().expect("width"), h.parse().expect("height"));
    }
    if let Some(n) = args.get(2) {
        cfg.frames = n.parse().expect("frames");
    }
    if let Some(list) = args.get(3).filter(|s| s.as_str() != "all") {
        cfg.clips = list
            .split(',')
            .map(|s| ClipKind::from_name(s).expect("clip name"))
            .collect();
    }
    cfg.tween_binary = args.get(4).map(Into::into);
    cfg.keep_intermediates = std::env::var_os("KEEP").is_some();
    match tween_eval::run(&cfg) {
        Ok(report) => report.print_table(),
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    }
}
