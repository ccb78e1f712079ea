//! The committed header, `include/kine_tarif.h`, is the one cbindgen
//! generates from `ffi/src/lib.rs`. `KT_BLESS=1 cargo test -p
//! kine-tarif-ffi --test header` writes it anew after a change.

use std::path::Path;

#[test]
fn the_committed_header_is_the_generated_one() {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let config = cbindgen::Config::from_file(crate_dir.join("cbindgen.toml")).unwrap();
    let mut generated = Vec::new();
    cbindgen::Builder::new()
        .with_crate(crate_dir)
        .with_config(config)
        .generate()
        .expect("cbindgen")
        .write(&mut generated);
    let path = crate_dir.join("../include/kine_tarif.h");
    if std::env::var("KT_BLESS").as_deref() == Ok("1") {
        std::fs::write(&path, &generated).unwrap();
    }
    let committed = std::fs::read(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "include/kine_tarif.h differs from the generated header: run KT_BLESS=1 cargo test -p kine-tarif-ffi --test header"
    );
}
