//! `generate hosts`: one host per line, for any other firewall or proxy.

use crate::emit::Emitter;
use crate::plan::Plan;

pub struct Hosts;

impl Emitter for Hosts {
    fn target(&self) -> &'static str {
        "hosts"
    }

    fn language(&self) -> crate::emit::Language {
        crate::emit::Language::Text
    }

    fn description(&self) -> &'static str {
        "one host per line, for any other firewall or proxy"
    }

    fn render(&self, plan: &Plan) -> String {
        let mut out = String::new();
        for host in &plan.hosts {
            out.push_str(host);
            out.push('\n');
        }
        out
    }
}
