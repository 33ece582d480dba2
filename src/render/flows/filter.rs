//! Which flows are printed and in what order: the sort keys, `--only`, endpoint
//! matches, and the filtering sink.

use super::*;

/// `--sort`: the order flows are printed in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum FlowSort {
    /// By the frame that opened the flow (capture order).
    #[default]
    First,
    /// Most bytes on the wire first.
    Bytes,
    /// Most content readable first (then most readable handshake bytes).
    Readable,
    /// By flow number (order of first appearance, as the flow table numbers them).
    Id,
}

/// `--only`: which flows to print.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Only {
    /// Application content readable in the clear.
    Readable,
    /// Credentials readable.
    Credentials,
    /// Content opaque, none readable.
    Opaque,
    /// Payload bytes nobody could classify.
    Undecoded,
}

impl Only {
    pub(super) fn keeps(self, r: &FlowReport) -> bool {
        let p = r.payload();
        match self {
            Only::Readable => r.plaintext() > 0,
            Only::Credentials => r.credentials().next().is_some(),
            Only::Opaque => r.plaintext() == 0 && Label::Opaque.count(&p) > 0,
            Only::Undecoded => Label::Undecoded.count(&p) > 0,
        }
    }
}

/// `--flow HOST[:PORT]`: an address, and a port if given, at either end of a flow.
/// IPv6 takes brackets with a port (`[::1]:443`); a bare IPv6 address needs none.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EndpointMatch {
    pub addr: IpAddr,
    pub port: Option<u16>,
}

impl FromStr for EndpointMatch {
    type Err = String;
    fn from_str(s: &str) -> Result<EndpointMatch, String> {
        let bad = || {
            format!("`{s}` is not HOST or HOST:PORT (an IP address; IPv6 in brackets with a port: [::1]:443)")
        };
        if let Ok(addr) = s.parse::<IpAddr>() {
            return Ok(EndpointMatch { addr, port: None });
        }
        if let Some(inner) = s.strip_prefix('[').and_then(|t| t.strip_suffix(']')) {
            let addr = inner.parse::<IpAddr>().map_err(|_| bad())?;
            return Ok(EndpointMatch { addr, port: None });
        }
        let sock = s.parse::<std::net::SocketAddr>().map_err(|_| bad())?;
        Ok(EndpointMatch {
            addr: sock.ip(),
            port: Some(sock.port()),
        })
    }
}

impl EndpointMatch {
    pub(super) fn matches(&self, ep: &(IpAddr, u16)) -> bool {
        ep.0 == self.addr && self.port.is_none_or(|p| p == ep.1)
    }
}

/// Which flows are printed: all of `--only` (any one of them) and of `--flow`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FlowFilter {
    pub only: Vec<Only>,
    pub endpoints: Vec<EndpointMatch>,
}

impl FlowFilter {
    pub fn is_empty(&self) -> bool {
        self.only.is_empty() && self.endpoints.is_empty()
    }

    pub fn keeps(&self, r: &FlowReport) -> bool {
        (self.only.is_empty() || self.only.iter().any(|o| o.keeps(r)))
            && (self.endpoints.is_empty()
                || self
                    .endpoints
                    .iter()
                    .any(|e| e.matches(&r.client) || e.matches(&r.server)))
    }
}

/// A sink that passes on only the flow reports a [`FlowFilter`] keeps (`flows --json
/// --only …`); frames, warnings and the summary go through.
pub struct Filtered<S> {
    pub inner: S,
    pub(super) filter: FlowFilter,
}

impl<S: Sink> Filtered<S> {
    pub fn new(inner: S, filter: FlowFilter) -> Filtered<S> {
        Filtered { inner, filter }
    }
}

impl<S: Sink> Sink for Filtered<S> {
    fn frame(&mut self, view: &FrameView<'_>) -> io::Result<()> {
        self.inner.frame(view)
    }
    fn warning(&mut self, text: &str) -> io::Result<()> {
        self.inner.warning(text)
    }
    fn reads_maps(&self) -> crate::sink::KeepFrames {
        self.inner.reads_maps()
    }
    fn finish(&mut self, summary: &Summary) -> io::Result<()> {
        self.inner.finish(summary)
    }
    fn flow(&mut self, r: &FlowReport) -> io::Result<()> {
        if self.filter.keeps(r) {
            self.inner.flow(r)
        } else {
            Ok(())
        }
    }
}
