/* kine-tarif from C: each function of include/kine_tarif.h, its amounts
 * and findings worked out by hand, and every bad input answered with a
 * status, never a crash. Run under valgrind by .ci/run (no leak, no
 * invalid access). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kine_tarif.h"

static int failures = 0;

#define EXPECT(cond, what)                                                   \
  do {                                                                       \
    if (!(cond)) {                                                           \
      fprintf(stderr, "FAILED %s:%d: %s\n", __FILE__, __LINE__, what);      \
      failures++;                                                            \
    }                                                                        \
  } while (0)

/* Calls f(request), checks the status and that the answer contains each
 * of the NULL-terminated strings, frees it. */
static const KtTariffs *tariffs = NULL; /* NULL: the embedded set */

static void expect(KtStatus (*f)(const KtTariffs *, const char *, char **),
                   const char *request, KtStatus status,
                   const char *const *contains) {
  char *out = NULL;
  KtStatus got = f(tariffs, request, &out);
  if (got != status) {
    fprintf(stderr, "FAILED: status %d, expected %d, for %s\n  answer: %s\n",
            (int)got, (int)status, request ? request : "(null)",
            out ? out : "(null)");
    failures++;
  }
  EXPECT(out != NULL, "an answer is always written");
  for (; out && *contains; contains++) {
    if (!strstr(out, *contains)) {
      fprintf(stderr, "FAILED: %s\n  lacks %s\n", out, *contains);
      failures++;
    }
  }
  kt_free(out);
}

int main(void) {
  char *out = NULL;

  /* Versions. */
  EXPECT(kt_version(NULL, &out) == KT_OK, "kt_version");
  EXPECT(out && strstr(out, "\"tariff_data_version\""), "data version");
  kt_free(out);
  EXPECT(kt_version(NULL, NULL) == KT_NULL_ARGUMENT, "kt_version(NULL)");

  /* An ankle sprain session, RIM 7.50 on 2024-06-15 in Paris:
   * 7.50 x 2.21 = 16.575 -> 16.58. */
  expect(kt_price,
         "{\"date\": \"2024-06-15\", \"code\": \"RIM\", \"coefficient\": \"7.50\"}",
         KT_OK,
         (const char *const[]){"\"amount\":\"16.58\"", "\"act_id\":\"A1C-ENTORSE-MED\"",
                               "\"status\":\"ok\"", "\"tariff_data_version\"", NULL});
  /* Overseas: RIM 8.10 in La Reunion on 2026-02-01, 8.10 x 2.43 = 19.683. */
  expect(kt_price,
         "{\"date\": \"2026-02-01\", \"code\": \"rim\", \"coefficient\": \"8.10\", "
         "\"department\": \"974\"}",
         KT_OK, (const char *const[]){"\"amount\":\"19.68\"", NULL});
  /* A billed amount that differs is a finding, not an error. */
  expect(kt_price,
         "{\"date\": \"2024-06-15\", \"code\": \"RIM\", \"coefficient\": \"7.50\", "
         "\"billed_amount\": \"17.00\"}",
         KT_OK, (const char *const[]){"AMOUNT_MISMATCH", "\"status\":\"error\"", NULL});

  /* Two article-1 sessions the same day for one patient: the second is
   * SAME_DAY_NOT_ALLOWED (Titre XIV, dispositions liminaires). */
  const char *same_day =
      "{\"lines\": ["
      "{\"reference\": \"L1\", \"line\": {\"date\": \"2026-03-02\", \"code\": \"RIC\", "
      "\"coefficient\": \"8.12\"}, \"context\": {\"invoice_id\": \"F1\", \"patient_id\": "
      "\"P1\", \"practitioner_id\": \"K1\", \"prescription_id\": \"RX1\", \"session\": \"1\"}},"
      "{\"reference\": \"L2\", \"line\": {\"date\": \"2026-03-02\", \"code\": \"RAM\", "
      "\"coefficient\": \"8.09\"}, \"context\": {\"invoice_id\": \"F2\", \"patient_id\": "
      "\"P1\", \"practitioner_id\": \"K1\", \"prescription_id\": \"RX2\", \"session\": \"2\"}}"
      "]}";
  expect(kt_check, same_day, KT_OK,
         (const char *const[]){"SAME_DAY_NOT_ALLOWED", "\"computed\":\"17.95\"",
                               "\"history_lines\":0", NULL});
  /* The first session sent before, given as history: the same finding. */
  const char *with_history =
      "{\"lines\": [{\"reference\": 7, \"line\": {\"date\": \"2026-03-02\", \"code\": "
      "\"RAM\", \"coefficient\": \"8.09\"}, \"context\": {\"invoice_id\": \"F2\", "
      "\"patient_id\": \"P1\", \"practitioner_id\": \"K1\", \"prescription_id\": \"RX2\", "
      "\"session\": \"2\"}}],"
      "\"history\": {\"lines\": [{\"invoice_id\": \"F1\", \"line_ref\": \"1\", "
      "\"practitioner_id\": \"K1\", \"patient_id\": \"P1\", \"date\": \"2026-03-02\", "
      "\"code\": \"RIC\", \"coefficient\": \"8.12\", \"quantity\": \"1\", "
      "\"prescription_id\": \"RX1\", \"session\": \"1\"}]}}";
  expect(kt_check, with_history, KT_OK,
         (const char *const[]){"SAME_DAY_NOT_ALLOWED", "\"reference\":7",
                               "\"history_lines\":1", NULL});

  /* A history file: record the first invoice, then check the second. */
  char path[] = "/tmp/kt_c_test_XXXXXX";
  int fd = mkstemp(path);
  EXPECT(fd >= 0, "mkstemp");
  close(fd);
  char request[2048];
  snprintf(request, sizeof request,
           "{\"lines\": [{\"reference\": \"1\", \"line\": {\"date\": \"2026-03-02\", "
           "\"code\": \"RIC\", \"coefficient\": \"8.12\"}, \"context\": {\"invoice_id\": "
           "\"F1\", \"patient_id\": \"P1\", \"practitioner_id\": \"K1\", "
           "\"prescription_id\": \"RX1\", \"session\": \"1\"}}], "
           "\"history\": {\"path\": \"%s\"}, \"record\": true}",
           path);
  expect(kt_check, request, KT_OK,
         (const char *const[]){"\"recorded\":{\"lines\":1,\"new\":1}", NULL});
  snprintf(request, sizeof request,
           "{\"lines\": [{\"line\": {\"date\": \"2026-03-02\", \"code\": \"RAM\", "
           "\"coefficient\": \"8.09\"}, \"context\": {\"invoice_id\": \"F2\", "
           "\"patient_id\": \"P1\", \"practitioner_id\": \"K1\", \"prescription_id\": "
           "\"RX2\", \"session\": \"2\"}}], \"history\": {\"path\": \"%s\"}}",
           path);
  expect(kt_check, request, KT_OK,
         (const char *const[]){"SAME_DAY_NOT_ALLOWED", "\"history_lines\":1", NULL});
  unlink(path);
  char wal[64];
  snprintf(wal, sizeof wal, "%s-wal", path);
  unlink(wal);
  snprintf(wal, sizeof wal, "%s-shm", path);
  unlink(wal);

  /* Bad input: a status and a French message, never a crash. */
  const char *const none[] = {NULL};
  expect(kt_price, NULL, KT_NULL_ARGUMENT,
         (const char *const[]){"\"NULL_ARGUMENT\"", "pointeur nul", NULL});
  EXPECT(kt_price(NULL, "{}", NULL) == KT_NULL_ARGUMENT, "out NULL");
  expect(kt_price, "{\"date\": \"2026-02-01\", \"code\": \"RIM\xff\"}", KT_INVALID_UTF8,
         (const char *const[]){"UTF-8", NULL});
  expect(kt_price, "{not json", KT_INVALID_REQUEST,
         (const char *const[]){"requête JSON invalide", NULL});
  expect(kt_price, "{\"date\": \"2026-02-01\", \"code\": \"XYZ\"}", KT_INVALID_REQUEST,
         (const char *const[]){"XYZ", NULL});
  expect(kt_price, "{\"date\": \"2026-02-31\", \"code\": \"RIM\"}", KT_INVALID_REQUEST, none);
  expect(kt_price, "{\"date\": \"2026-02-01\", \"code\": \"RIM\", \"coefficient\": 8.1}",
         KT_INVALID_REQUEST, none);
  expect(kt_price, "{\"date\": \"2026-02-01\", \"code\": \"RIM\", \"department\": \"975\"}",
         KT_INVALID_REQUEST, (const char *const[]){"975", NULL});
  expect(kt_price, "[]", KT_INVALID_REQUEST, none);
  expect(kt_price, "{\"date\": \"2026-02-01\", \"code\": \"RIM\"} trailing", KT_INVALID_REQUEST, none);
  expect(kt_check, "{\"lines\": 3}", KT_INVALID_REQUEST, none);
  expect(kt_check, "{\"lines\": [], \"history\": {\"path\": \"/proc/version\"}}",
         KT_HISTORY_ERROR, (const char *const[]){"historique", NULL});
  expect(kt_check, "{\"lines\": [], \"record\": true}", KT_INVALID_REQUEST,
         (const char *const[]){"record", NULL});
  /* Extreme numbers are findings on the line. */
  expect(kt_price,
         "{\"date\": \"2026-02-01\", \"code\": \"RIM\", \"coefficient\": \"79228162514264337593543950335\", "
         "\"quantity\": \"-79228162514264337593543950335\"}",
         KT_OK, (const char *const[]){"INVALID_FIELD", NULL});
  kt_free(NULL);

  /* Explain, convert, the table at a date. */
  expect(kt_explain,
         "{\"date\": \"2024-06-15\", \"code\": \"RIM\", \"coefficient\": \"7.50\"}",
         KT_OK, (const char *const[]){"\"explanation\"", "16.58", NULL});
  /* AMS 7.5, an ankle sprain not operated, becomes RIM 8.10 in 2026. */
  expect(kt_convert,
         "{\"letter\": \"AMS\", \"coefficient\": \"7.5\", \"date\": \"2026-02-01\", "
         "\"label\": \"entorse cheville non opérée\"}",
         KT_OK,
         (const char *const[]){"\"act_id\":\"A1C-ENTORSE-MED\"", "\"coefficient\":\"8.10\"",
                               NULL});
  expect(kt_convert, "{\"letter\": \"RIM\", \"coefficient\": \"7.5\", \"date\": \"2026-02-01\"}",
         KT_INVALID_REQUEST, none);
  /* La Reunion on 2026-06-01: RIM is 2.43, RIM 8.10 is 19.68. */
  expect(kt_tariffs, "{\"date\": \"2026-06-01\", \"department\": \"974\"}", KT_OK,
         /* Each value with its source, then its period and value. */
         (const char *const[]){"{\"code\":\"RIM\",\"source\":\"",
                               "\"valid_from\":\"2024-02-22\",\"valid_to\":null,\"value\":\"2.43\"}",
                               "\"act_id\":\"A1C-ENTORSE-MED\",\"amount\":\"19.68\"", NULL});

  /* CAIMK, avenant 7, signed 2025-03-15 in a very under-served zone:
   * 15,000 at signature (2,100 acts >= 2,000), 9,000 (3,000 acts), 80 %
   * of 5,000 = 4,000 (2,400 of 3,000 acts), 5,000, then a commitment
   * year: 33,000 in all (tests/contracts.rs works it out). */
  expect(kt_contract_schedule,
         "{\"contract\": {\"kind\": \"CAIMK\", \"version\": \"avenant7\", "
         "\"signed\": \"2025-03-15\", \"zone\": \"tsd\", \"acts\": {\"2025\": 2100, "
         "\"2026\": 3000, \"2027\": 2400, \"2028\": 3100, \"2029\": 1400}}}",
         KT_OK,
         (const char *const[]){"\"total\":\"33000.00\"", "\"amount\":\"15000.00\"",
                               "\"eligible\":true", NULL});
  expect(kt_contract_schedule,
         "{\"contract\": {\"kind\": \"CAIMK\", \"version\": \"avenant7\", "
         "\"signed\": \"2025-03-15\", \"zone\": \"tsd\"}, \"options\": {\"prorata\": \"weeks\"}}",
         KT_INVALID_REQUEST, (const char *const[]){"options.prorata", NULL});
  expect(kt_contract_schedule, "{\"contract\": {\"kind\": \"XYZ\"}}", KT_INVALID_REQUEST, none);

  /* A tariff set loaded at run time (the repository's own files), then
   * used; a directory that is not one is an error naming it. */
  KtTariffs *loaded = NULL;
  EXPECT(kt_load_tariffs("{\"directory\": \"tariffs\"}", &loaded, &out) == KT_OK,
         "kt_load_tariffs");
  EXPECT(loaded != NULL, "a handle");
  kt_free(out);
  tariffs = loaded;
  expect(kt_price,
         "{\"date\": \"2024-06-15\", \"code\": \"RIM\", \"coefficient\": \"7.50\"}",
         KT_OK, (const char *const[]){"\"amount\":\"16.58\"", NULL});
  tariffs = NULL;
  kt_tariffs_free(loaded);
  kt_tariffs_free(NULL);
  KtTariffs *none_loaded = NULL;
  EXPECT(kt_load_tariffs("{\"directory\": \"/nonexistent\"}", &none_loaded, &out) ==
             KT_TARIFF_ERROR,
         "a missing directory");
  EXPECT(none_loaded == NULL && out && strstr(out, "/nonexistent"), "named");
  kt_free(out);
  EXPECT(kt_load_tariffs("{}", NULL, &out) == KT_NULL_ARGUMENT, "handle NULL");
  kt_free(out);

  if (failures) {
    fprintf(stderr, "%d failure(s)\n", failures);
    return 1;
  }
  printf("kine-tarif C tests: ok\n");
  return 0;
}
