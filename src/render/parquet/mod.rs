//! Flows as Parquet (`flows --format parquet`, feature `parquet`; docs/scale.md): one
//! row per flow, with the columns of the `flow` objects of `flows --json`
//! (docs/json.md) — the same names, the same nesting, the same order — so a query
//! reads the Parquet file and the JSON Lines alike.
//!
//! The rows are made from the JSON object itself ([`flow_json`]): [`FLOW`] describes
//! each key's type, and [`Batch::push`] shreds an object into columns (Dremel's
//! definition and repetition levels), failing on a key or a type the description does
//! not have, so the two formats cannot drift apart silently. Nested values keep their
//! shape: objects are groups (structs), arrays are `LIST`s, `details` is a `MAP`.
//! Integers are `INT64` (what DuckDB's `read_json` infers for JSON integers), strings
//! `BYTE_ARRAY (STRING)`, `duration` `DOUBLE`, and `null` is a null.
//!
//! Written with the parquet crate's low-level writer ([`SerializedFileWriter`]): no
//! Arrow. Rows gather in a [`Batch`] per capture; each full batch (and the last) is
//! one row group.

use super::json::flow_json;
use crate::report::FlowReport;
use crate::sink::{FrameView, Sink, Summary};
use parquet::basic::{Compression, LogicalType, Repetition, Type as Physical};
use parquet::data_type::{BoolType, ByteArray, ByteArrayType, DoubleType, Int64Type};
use parquet::file::metadata::KeyValue;
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::types::{Type, TypePtr};
use serde_json::Value;
use std::io::{self, Write};
use std::sync::{Arc, OnceLock};

/// Rows per row group: a batch this full is written out.
pub const ROWS_PER_GROUP: usize = 65_536;

mod batch;
mod schema;

pub use batch::*;
pub use schema::*;

/// One Parquet file of flows. Batches gather into row groups of [`ROWS_PER_GROUP`]
/// rows (the captures of a run share them: a row group per small capture would be
/// mostly metadata).
pub struct ParquetWriter<W: Write + Send> {
    inner: SerializedFileWriter<W>,
    pending: Option<Batch>,
    rows: u64,
}

/// A Parquet error as an I/O error; the writer's own I/O errors keep their kind (a
/// closed pipe stays `BrokenPipe`).
fn pq(e: parquet::errors::ParquetError) -> io::Error {
    match e {
        parquet::errors::ParquetError::External(e) => match e.downcast::<io::Error>() {
            Ok(e) => *e,
            Err(e) => io::Error::other(e),
        },
        e => io::Error::other(e),
    }
}

impl<W: Write + Send> ParquetWriter<W> {
    pub fn new(out: W) -> io::Result<ParquetWriter<W>> {
        let schema = flow_schema()?;
        let props = WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .set_key_value_metadata(Some(vec![
                KeyValue::new(
                    "eavesdrop.version".into(),
                    env!("CARGO_PKG_VERSION").to_string(),
                ),
                KeyValue::new(
                    "eavesdrop.json_version".into(),
                    super::json::VERSION.to_string(),
                ),
                KeyValue::new("eavesdrop.type".into(), "flow".to_string()),
            ]))
            .build();
        let inner =
            SerializedFileWriter::new(out, schema.parquet.clone(), Arc::new(props)).map_err(pq)?;
        Ok(ParquetWriter {
            inner,
            pending: None,
            rows: 0,
        })
    }

    /// Flows taken so far.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// Takes a batch's rows, after those taken before; writes a row group once
    /// [`ROWS_PER_GROUP`] rows are waiting.
    pub fn push(&mut self, batch: Batch) -> io::Result<()> {
        self.rows += batch.rows as u64;
        let pending = match self.pending.take() {
            Some(mut p) => {
                p.append(batch);
                p
            }
            None => batch,
        };
        if pending.rows >= ROWS_PER_GROUP {
            self.write(&pending)
        } else {
            self.pending = Some(pending);
            Ok(())
        }
    }

    /// Writes the batch as one row group (nothing for an empty batch).
    fn write(&mut self, batch: &Batch) -> io::Result<()> {
        if batch.rows == 0 {
            return Ok(());
        }
        let mut group = self.inner.next_row_group().map_err(pq)?;
        for (c, (_, max_def, max_rep)) in batch.columns.iter().zip(&batch.schema.columns) {
            let def = (*max_def > 0).then_some(c.def.as_slice());
            let rep = (*max_rep > 0).then_some(c.rep.as_slice());
            let mut col = group
                .next_column()
                .map_err(pq)?
                .ok_or_else(|| io::Error::other("the Parquet schema has fewer columns"))?;
            match &c.values {
                Values::Bool(v) => col.typed::<BoolType>().write_batch(v, def, rep),
                Values::Int(v) => col.typed::<Int64Type>().write_batch(v, def, rep),
                Values::Float(v) => col.typed::<DoubleType>().write_batch(v, def, rep),
                Values::Str(v) => col.typed::<ByteArrayType>().write_batch(v, def, rep),
            }
            .map_err(pq)?;
            col.close().map_err(pq)?;
        }
        group.close().map_err(pq)?;
        Ok(())
    }

    /// Writes the rows waiting and the footer; gives back the output.
    pub fn finish(mut self) -> io::Result<W> {
        if let Some(p) = self.pending.take() {
            self.write(&p)?;
        }
        self.inner.into_inner().map_err(pq)
    }
}

/// A sink for one capture: each flow becomes a row of the batch; full batches (and the
/// last, at the end of the capture) go to `full` — a [`ParquetWriter`], or kept for
/// one when captures are read in parallel. Warnings go to `err`, with the capture's
/// name; frames are not read.
pub struct ParquetSink<E: Write, F: FnMut(Batch) -> io::Result<()>> {
    file: String,
    err: E,
    batch: Batch,
    full: F,
}

impl<E: Write, F: FnMut(Batch) -> io::Result<()>> ParquetSink<E, F> {
    pub fn new(file: &str, err: E, full: F) -> io::Result<ParquetSink<E, F>> {
        Ok(ParquetSink {
            file: file.to_string(),
            err,
            batch: Batch::new()?,
            full,
        })
    }

    fn hand_over(&mut self) -> io::Result<()> {
        if self.batch.rows == 0 {
            return Ok(());
        }
        let batch = std::mem::replace(&mut self.batch, Batch::new()?);
        (self.full)(batch)
    }
}

impl<E: Write, F: FnMut(Batch) -> io::Result<()>> Sink for ParquetSink<E, F> {
    fn frame(&mut self, _view: &FrameView<'_>) -> io::Result<()> {
        Ok(())
    }

    fn reads_maps(&self) -> crate::sink::KeepFrames {
        crate::sink::KeepFrames::None
    }

    fn warning(&mut self, text: &str) -> io::Result<()> {
        writeln!(
            self.err,
            "eavesdrop: warning: {}: {}",
            super::escape(&self.file),
            super::escape(text)
        )
    }

    fn flow(&mut self, r: &FlowReport) -> io::Result<()> {
        self.batch.push(&flow_json(r, &self.file))?;
        if self.batch.rows >= ROWS_PER_GROUP {
            self.hand_over()?;
        }
        Ok(())
    }

    fn finish(&mut self, _summary: &Summary) -> io::Result<()> {
        self.hand_over()?;
        self.err.flush()
    }
}

#[cfg(test)]
mod tests;
