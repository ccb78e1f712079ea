//! The throughput floor of BENCHMARKS.md as a program, for instruction
//! counts: the csv crate reads a file into one reused `ByteRecord` and does
//! nothing else (the `floor_csv_read` bench, from a file).
//!
//! ```sh
//! cargo build --release --example csv_floor
//! valgrind --tool=callgrind target/release/examples/csv_floor /tmp/g100k.csv
//! ```

use std::io::Read;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args().nth(1).ok_or("usage: csv_floor FILE")?;
    let mut input = Vec::new();
    std::fs::File::open(path)?.read_to_end(&mut input)?;
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(input.as_slice());
    let mut record = csv::ByteRecord::new();
    let mut fields = 0u64;
    while reader.read_byte_record(&mut record)? {
        fields += record.len() as u64;
    }
    println!("{fields} fields");
    Ok(())
}
