//! `price_arrow`: Arrow tables in and out through the Arrow PyCapsule
//! interface (`__arrow_c_stream__`), so no particular pyarrow, Polars or
//! Spark version is linked: the input's stream is read by arrow-rs, priced
//! by `kine_tarif::arrow::price_batches` with the GIL released, and given
//! back as a stream object that `pyarrow.table(...)` or
//! `polars.from_arrow(...)` reads.

use arrow_array::ffi_stream::{FFI_ArrowArrayStream, RecordBatchStreamReader};
use arrow_array::{RecordBatch, RecordBatchIterator, RecordBatchReader};
use kt::Tariffs;
use kt::batch::BatchOptions;
use kt::history::{SharedHistory, SqliteHistory};
use pyo3::prelude::*;
use pyo3::types::PyCapsule;

use crate::{BatchError, InvalidRequestError, history_error, invalid};

const STREAM: &std::ffi::CStr = c"arrow_array_stream";

/// Priced rows as an Arrow stream, read once through
/// `__arrow_c_stream__` (by `pyarrow.table(...)`, `polars.from_arrow(...)`).
#[pyclass(module = "kine_tarif")]
pub struct ArrowStream {
    batches: Option<(arrow_schema::SchemaRef, Vec<RecordBatch>)>,
}

#[pymethods]
impl ArrowStream {
    #[pyo3(signature = (requested_schema=None))]
    fn __arrow_c_stream__<'py>(
        &mut self,
        py: Python<'py>,
        requested_schema: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyCapsule>> {
        // The schema is the one documented (kine_tarif::arrow::output_schema):
        // a requested one is a hint the protocol lets a producer ignore.
        let _ = requested_schema;
        let (schema, batches) = self.batches.take().ok_or_else(|| {
            invalid("ce résultat Arrow a déjà été lu (un flux ne se lit qu'une fois)")
        })?;
        let reader: Box<dyn RecordBatchReader + Send> = Box::new(RecordBatchIterator::new(
            batches.into_iter().map(Ok),
            schema,
        ));
        PyCapsule::new_with_value(py, FFI_ArrowArrayStream::new(reader), STREAM)
    }
}

/// Reads the Arrow stream of `data` (any object with `__arrow_c_stream__`).
fn read_stream(data: &Bound<'_, PyAny>) -> PyResult<RecordBatchStreamReader> {
    if !data.hasattr("__arrow_c_stream__")? {
        return Err(pyo3::exceptions::PyTypeError::new_err(format!(
            "price_arrow attend une table Arrow (pyarrow.Table, RecordBatch, \
             polars.DataFrame…), pas {}",
            data.get_type().name()?
        )));
    }
    let capsule = data.call_method0("__arrow_c_stream__")?;
    let capsule = capsule
        .cast::<PyCapsule>()
        .map_err(|_| invalid("__arrow_c_stream__ n'a pas rendu de PyCapsule"))?;
    let ptr = capsule.pointer_checked(Some(STREAM))?;
    // SAFETY: the capsule is named "arrow_array_stream", which the Arrow
    // PyCapsule interface reserves for a pointer to an ArrowArrayStream;
    // `from_raw` moves the stream out and leaves a released one, which the
    // capsule's destructor then leaves alone.
    unsafe { RecordBatchStreamReader::from_raw(ptr.as_ptr().cast::<FFI_ArrowArrayStream>()) }
        .map_err(|e| invalid(format!("flux Arrow illisible : {e}")))
}

/// The body of `kine_tarif.price_arrow` (see `__init__.py`): priced rows as
/// an [`ArrowStream`], and the summary (a dict).
#[pyfunction]
#[pyo3(signature = (data, *, rules=true, threads=0, reprice_at=None, history=None))]
pub fn _price_arrow(
    py: Python<'_>,
    data: &Bound<'_, PyAny>,
    rules: bool,
    threads: usize,
    reprice_at: Option<String>,
    history: Option<String>,
) -> PyResult<(ArrowStream, Py<PyAny>)> {
    let reprice_at = match reprice_at {
        Some(d) => Some(
            d.parse::<chrono::NaiveDate>()
                .map_err(|_| invalid(format!("reprice_at {d:?} : date AAAA-MM-JJ attendue")))?,
        ),
        None => None,
    };
    let history = match history {
        Some(p) => Some(SharedHistory::new(
            SqliteHistory::open(&p).map_err(history_error)?,
        )),
        None => None,
    };
    let reader = read_stream(data)?;
    let priced = py.detach(move || -> Result<_, PyErr> {
        let schema = reader.schema();
        let batches = reader
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| invalid(format!("flux Arrow illisible : {e}")))?;
        let mut options = BatchOptions {
            rules,
            threads,
            reprice_at,
            ..BatchOptions::default()
        };
        options.history = history;
        kt::arrow::price_batches(Tariffs::embedded(), &schema, &batches, options).map_err(|e| {
            match e {
                kt::Error::Argument(m) => InvalidRequestError::new_err(m),
                e @ kt::Error::History { .. } => history_error(e),
                e => BatchError::new_err(e.to_string()),
            }
        })
    })?;
    let summary = crate::summary_dict(py, &priced.summary)?;
    Ok((
        ArrowStream {
            batches: Some((priced.schema, priced.batches)),
        },
        summary,
    ))
}
