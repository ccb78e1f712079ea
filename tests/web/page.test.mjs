// The page of `kine-tarif serve` in a real browser: Debian's Chromium
// driven by playwright-core, against the real server started here on a
// free port of the loopback (.ci/run runs it):
//
//   npm ci --prefix tests/web
//   node tests/web/page.test.mjs [path/to/kine-tarif]
//
// (or KINE_TARIF_BIN=…; by default the repository's
// target/debug/kine-tarif). Screenshots of the three sections go to the
// repository's target/web/ (or KINE_TARIF_WEB_OUT=…).
//
// Values worked out by hand from tariffs/ (as in tests/serve.rs):
// - RIM 7.50 on 15/06/2024: 7.5 × 2.21 = 16.575 → 16,58 €.
// - TER 9.49 on 01/06/2026: the act is TER 9.79 since 28/05/2026,
//   9.79 × 2.21 = 21.6359 → 21,64 €, finding COEFFICIENT_REVALUED.
// - RIM in La Réunion (974) on 01/06/2026: 2,43 €.
// - examples/invoices.csv: the summary that `kine-tarif price` prints for
//   it, which the page recomputes from the rows it gets.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdirSync, readFileSync, statSync } from "node:fs";
import { createInterface } from "node:readline";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const given = process.argv[2] || process.env.KINE_TARIF_BIN;
const bin = given ? path.resolve(given) : path.join(root, "target/debug/kine-tarif");
const out = process.env.KINE_TARIF_WEB_OUT ? path.resolve(process.env.KINE_TARIF_WEB_OUT) : path.join(root, "target/web");
const invoices = path.join(root, "examples/invoices.csv");

// Spaces as a person reads them: the page writes U+00A0 before € and
// U+202F between thousands.
const plain = (s) => s.replace(/[\u00a0\u202f]/g, " ").trim();

// The server on a free port; its address from the first line of its
// standard error ("kine-tarif : service à l'écoute sur http://…:PORT (…)").
function startServer() {
  const child = spawn(bin, ["serve", "--bind", "127.0.0.1:0"], {
    stdio: ["ignore", "ignore", "pipe"],
    env: { ...process.env, KINE_TARIF_TOKEN: "" },
  });
  const base = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("le service n'a pas démarré en 30 s")), 30000);
    child.on("error", (e) => { clearTimeout(timer); reject(e); });
    child.on("exit", (code) => { clearTimeout(timer); reject(new Error(`le service s'est arrêté (code ${code})`)); });
    const lines = createInterface({ input: child.stderr });
    lines.once("line", (first) => {
      clearTimeout(timer);
      const url = first.split(/\s+/).find((w) => w.startsWith("http://"));
      if (url) resolve(url); else reject(new Error(`première ligne inattendue : ${first}`));
    });
    // The rest is drained so the server never blocks on a full pipe.
    lines.on("line", () => {});
  });
  return { child, base };
}

const tests = [];
const test = (name, f) => tests.push({ name, f });

// A fresh page for each test: French locale, the server's origin only.
async function openPage(browser, base, t) {
  const context = await browser.newContext({
    locale: "fr-FR",
    timezoneId: "Europe/Paris",
    viewport: { width: 1280, height: 900 },
    acceptDownloads: true,
  });
  const page = await context.newPage();
  // The page uses no external asset: every request goes to the server.
  page.on("request", (r) => {
    if (!r.url().startsWith(base + "/") && !r.url().startsWith("blob:") && !r.url().startsWith("data:")) {
      t.problems.push(`requête hors du service : ${r.url()}`);
    }
  });
  page.on("pageerror", (e) => t.problems.push(`erreur de script : ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error") t.problems.push(`console : ${m.text()} (${m.location().url})`);
  });
  page.on("response", (r) => {
    if (r.status() >= 400) t.problems.push(`réponse ${r.status()} : ${r.url()}`);
  });
  await page.goto(base + "/");
  // The catalogue of findings is loaded (the header shows the versions).
  await page.locator("#versions", { hasText: "données tarifaires" }).waitFor();
  return { page, context };
}

async function amountShown(page) {
  const v = page.locator("#resultat-cotation .valeur-montant");
  await v.waitFor();
  return plain(await v.textContent());
}

async function priceByForm(page, { code, coefficient, date }) {
  await page.fill("#code", code);
  await page.fill("#coefficient", coefficient);
  await page.fill("#date", date);
  await page.locator("#resultat-cotation").evaluate((e) => e.replaceChildren());
  // Submitted from the keyboard: Enter in a field of the form.
  await page.press("#coefficient", "Enter");
}

// Whether a date field of this browser reads the day before the month.
async function dayFirst(page) {
  const probe = await page.context().newPage();
  await probe.setContent('<input type="date" id="d">');
  await probe.focus("#d");
  await probe.keyboard.type("01022003");
  const v = await probe.inputValue("#d");
  await probe.close();
  assert.ok(v === "2003-02-01" || v === "2003-01-02", v);
  return v === "2003-02-01";
}

async function screenshot(page, section, name) {
  mkdirSync(out, { recursive: true });
  const file = path.join(out, name);
  await page.locator(section).screenshot({ path: file });
  const size = statSync(file).size;
  assert.ok(size > 10 * 1024, `${file} : ${size} octets seulement`);
}

const expectedSummary =
  "599 lignes : 575 conformes, 14 avertissements, 10 erreurs ; calculé 8 528,88 €, facturé 8 616,86 €";

async function checkFileShown(page) {
  const summary = page.locator("#resume-fichier");
  await summary.waitFor({ timeout: 30000 });
  assert.equal(plain(await summary.textContent()), expectedSummary);
  assert.equal(await page.locator("#resultat-fichier tr[data-status]").count(), 599);
}

test("une cotation tapée : RIM 7,50 le 15/06/2024 vaut 16,58 €", async ({ page }) => {
  await priceByForm(page, { code: "RIM", coefficient: "7,50", date: "2024-06-15" });
  assert.equal(await amountShown(page), "16,58 €");
  assert.equal(plain(await page.locator("#resultat-cotation .statut").textContent()), "Statut : conforme");
});

test("TER 9,49 le 01/06/2026 : COEFFICIENT_REVALUED et 21,64 €", async ({ page }) => {
  await priceByForm(page, { code: "TER", coefficient: "9,49", date: "2026-06-01" });
  assert.equal(await amountShown(page), "21,64 €");
  const findings = await page.locator("#resultat-cotation .constats li strong").allTextContents();
  assert.ok(findings.some((f) => f.startsWith("COEFFICIENT_REVALUED")), findings.join(" | "));
  await screenshot(page, "#cotation", "cotation.png");
});

test("une cotation au clavier seul (Tab, saisie, Entrée)", async ({ page }) => {
  // From the page's start, Tab goes through the three links of the
  // navigation, then to the code field.
  await page.locator("body").focus();
  const seen = [];
  for (let i = 0; i < 10 && seen.at(-1) !== "code"; i++) {
    await page.keyboard.press("Tab");
    seen.push(await page.evaluate(() => document.activeElement.id || document.activeElement.textContent.trim()));
  }
  assert.deepEqual(seen, ["Une cotation", "Un fichier", "Les tarifs", "code"]);
  await page.keyboard.type("RIM");
  await page.keyboard.press("Tab");
  assert.equal(await page.evaluate(() => document.activeElement.id), "coefficient");
  await page.keyboard.type("7,50");
  await page.keyboard.press("Tab");
  assert.equal(await page.evaluate(() => document.activeElement.id), "date");
  // A date field's order of day and month is the browser's language's
  // (Debian's Chromium without chromium-l10n has English only): read
  // from a probe in another tab.
  await page.keyboard.type(await dayFirst(page) ? "15062024" : "06152024");
  assert.equal(await page.inputValue("#date"), "2024-06-15");
  await page.keyboard.press("Enter");
  assert.equal(await amountShown(page), "16,58 €");
});

test("le fichier d'exemple choisi : résumé, filtre des erreurs", async ({ page }) => {
  await page.setInputFiles("#choix", invoices);
  await checkFileShown(page);
  await page.selectOption("#filtre-statut", "error");
  const visible = page.locator("#resultat-fichier tr[data-status]:visible");
  assert.equal(await visible.count(), 10);
  const statuses = await visible.evaluateAll((rows) => rows.map((r) => r.dataset.status));
  assert.deepEqual([...new Set(statuses)], ["error"]);
  // The section as a clerk sees it after filtering the errors.
  await screenshot(page, "#fichier", "fichier.png");
  await page.selectOption("#filtre-statut", "");
  assert.equal(await visible.count(), 599);
  // The result to download: the command's CSV, a header and one row per
  // input row.
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("button", { name: "Télécharger le résultat (CSV)" }).click(),
  ]);
  assert.equal(download.suggestedFilename(), "resultat-kine-tarif.csv");
  const lines = readFileSync(await download.path(), "utf8").trimEnd().split("\n");
  assert.equal(lines.length, 600);
  assert.ok(lines[0].startsWith("row,invoice_id,patient_id,date,"), lines[0]);
  assert.equal(lines.filter((l) => l.includes(",error,")).length, 10);
});

test("le fichier d'exemple déposé (glisser-déposer)", async ({ page }) => {
  const csv = readFileSync(invoices, "utf8");
  const dataTransfer = await page.evaluateHandle((text) => {
    const dt = new DataTransfer();
    dt.items.add(new File([text], "invoices.csv", { type: "text/csv" }));
    return dt;
  }, csv);
  await page.dispatchEvent("#depot", "dragenter", { dataTransfer });
  await page.dispatchEvent("#depot", "dragover", { dataTransfer });
  await page.dispatchEvent("#depot", "drop", { dataTransfer });
  await checkFileShown(page);
});

test("la zone de dépôt au clavier ouvre le choix du fichier", async ({ page }) => {
  // Listened for from the start: Playwright intercepts the chooser only
  // once its listener is in place in the browser, which a listener added
  // together with the key press may not yet be.
  const chooserShown = page.waitForEvent("filechooser");
  await page.focus("#envoyer");
  // Backwards from the button: the text area, then the drop zone (the
  // hidden file input is not a stop of its own).
  await page.keyboard.press("Shift+Tab");
  assert.equal(await page.evaluate(() => document.activeElement.id), "colle");
  await page.keyboard.press("Shift+Tab");
  assert.equal(await page.evaluate(() => document.activeElement.id), "depot");
  await page.keyboard.press("Enter");
  const chooser = await chooserShown;
  await chooser.setFiles(invoices);
  await checkFileShown(page);
});

test("les tarifs au 01/06/2026 à La Réunion (974) : RIM 2,43 €", async ({ page }) => {
  await page.fill("#tarifs-date", "2026-06-01");
  await page.fill("#tarifs-departement", "974");
  await page.press("#tarifs-departement", "Enter");
  await page.locator("#resultat-tarifs table").first().waitFor();
  const rows = await page.locator("#resultat-tarifs table").first().locator("tr").evaluateAll((trs) =>
    trs.map((tr) => [...tr.children].map((td) => td.textContent)));
  const rim = rows.filter((r) => r[0] === "RIM").map((r) => plain(r[1]));
  assert.deepEqual(rim, ["2,43 €"]);
  await screenshot(page, "#tarifs", "tarifs.png");
});

const { child, base: baseReady } = startServer();
let browser;
let passed = 0;
let failed = 0;
try {
  const base = await baseReady;
  browser = await chromium.launch({
    executablePath: process.env.KINE_TARIF_CHROMIUM || "/usr/bin/chromium",
    headless: true,
    // As tests/spreadsheet.rs launches it: no network beyond the loopback
    // on this machine, no sandbox as root.
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  for (const { name, f } of tests) {
    const t = { problems: [] };
    let context;
    try {
      const opened = await openPage(browser, base, t);
      context = opened.context;
      await f(opened);
      assert.deepEqual(t.problems, []);
      passed++;
      console.log(`ok - ${name}`);
    } catch (e) {
      failed++;
      console.log(`not ok - ${name}\n${String(e.stack || e).replace(/^/gm, "    ")}`);
    } finally {
      await context?.close().catch(() => {});
    }
  }
} catch (e) {
  failed++;
  console.log(`not ok - démarrage\n${String(e.stack || e).replace(/^/gm, "    ")}`);
} finally {
  await browser?.close().catch(() => {});
  child.kill("SIGTERM");
}
console.log(`web: ${passed} passed, ${failed} failed`);
process.exitCode = failed || passed !== tests.length ? 1 : 0;
