//! The pricing cache against pricing anew.

use super::*;

/// The lines of the test below: every act period's cotation, with and
/// without its act id, every old cotation, TMK and the codes without a
/// coefficient, on both sides of every date the data changes on and
/// in the middle of each stretch, in both territories, with a billed
/// amount or without.
fn lines(t: &Tariffs) -> Vec<(InvoiceLine, Option<String>)> {
    let b = t.boundaries();
    let mut dates: Vec<NaiveDate> = Vec::new();
    for (k, &d) in b.iter().enumerate() {
        dates.extend(d.pred_opt());
        dates.push(d);
        dates.extend(d.succ_opt());
        if let Some(&next) = b.get(k + 1) {
            dates.push(d + (next - d) / 2);
        }
    }
    let mut cotations: Vec<(Code, Option<Decimal>, Option<String>)> = Vec::new();
    for a in t.acts() {
        for p in &a.periods {
            cotations.push((a.letter, Some(p.coefficient), None));
            cotations.push((a.letter, Some(p.coefficient), Some(a.id.clone())));
            // Another representation of the same number.
            let mut c = p.coefficient;
            c.rescale(c.scale() + 1);
            cotations.push((a.letter, Some(c), None));
            cotations.push((Code::TMK, Some(p.coefficient), None));
        }
        for &(l, c) in &a.old_cotations {
            cotations.push((l, Some(c), None));
            cotations.push((l, Some(c), Some(a.id.clone())));
        }
    }
    for &c in Code::ALL {
        if !matches!(
            c.kind(),
            CodeKind::ActKey | CodeKind::OldKey | CodeKind::Telesoin
        ) {
            cotations.push((c, None, None));
        }
    }
    cotations.sort();
    cotations.dedup();
    let mut out = Vec::new();
    let mut k = 0u32;
    for (code, coefficient, act_id) in &cotations {
        // Half the dates for each cotation, a different half from one
        // cotation to the next.
        for (i, &date) in dates.iter().enumerate() {
            k = k.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            if !(k >> 16).is_multiple_of(2) {
                continue;
            }
            let territory = if i % 2 == 0 {
                Territory::Metropole
            } else {
                Territory::Dom
            };
            let mut line = InvoiceLine::new(date, *code, *coefficient).in_territory(territory);
            if (k >> 20).is_multiple_of(3) {
                line = line.with_quantity(Decimal::new(20, 0));
            }
            if (k >> 22).is_multiple_of(2) {
                line = line.with_billed_amount(Decimal::new(1655, 2));
            }
            out.push((line, act_id.clone()));
        }
    }
    out
}

#[test]
fn the_cache_gives_what_pricing_anew_gives() {
    let t = Tariffs::embedded();
    let lines = lines(t);
    assert!(lines.len() > 10_000, "{}", lines.len());
    let mut cache = PriceCache::default();
    let (mut hits, mut priced) = (0, 0);
    // What the lines priced as one entry show (the engine formats
    // their priced columns once by entry).
    let mut shown: HashMap<u64, String> = HashMap::default();
    // Twice over, the second time in reverse order: each stretch's
    // entries are made by some line and used by others.
    for (line, act_id) in lines.iter().chain(lines.iter().rev()) {
        let before = cache.map.len();
        let mut cached = Priced::new(line.clone());
        let entry = t.price_cached(&mut cached, act_id.as_deref(), &mut cache);
        if let Some(e) = entry {
            let cells = format!(
                "{:?} {:?} {:?} {:?} {:?} {} {:?}",
                cached.act.map(|a| &a.id),
                cached.old_cotation,
                cached.coefficient.map(|c| c.to_string()),
                cached.value,
                cached.line.code,
                cached.line.quantity,
                cached.amount.map(|a| a.to_string()),
            );
            assert_eq!(shown.entry(e).or_insert_with(|| cells.clone()), &cells);
        }
        let mut anew = Priced::new(line.clone());
        t.price_in(&mut anew, act_id.as_deref());
        assert_eq!(
            format!("{cached:?}"),
            format!("{anew:?}"),
            "{line:?} {act_id:?}"
        );
        if anew.amount.is_some() {
            priced += 1;
            if anew
                .findings
                .iter()
                .all(|f| f.code == FindingCode::AmountMismatch)
                && cache.map.len() == before
            {
                hits += 1;
            }
        }
    }
    // The comparison is not vacuous: a quarter of the priced lines at
    // least (half of those of the second pass) came from the cache.
    assert!(hits * 4 > priced, "{hits} of {priced}");
}
