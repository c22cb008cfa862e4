"""Fictional roster generator for the benchmarks: Iranian names in Latin (several spellings) and Persian or
Arabic script, approximate dates of birth, camps, UNHCR and camp numbers, aliases, and a few bad rows of
each kind the importer rejects. Deterministic for a given seed. Every name and number is fictional.

    python bench/roster.py --rows 3400 --out /tmp/roster.csv        (or .xlsx)
"""

from __future__ import annotations

import argparse
import csv
import json
import random
from pathlib import Path

BASE = Path(__file__).resolve().parent.parent
DEMO = json.loads((BASE / "fixtures" / "demo.json").read_text(encoding="utf-8"))["residents"]

EXTRA_GIVEN = [
    ("Mahmoud", "محمود"), ("Hassan", "حسن"), ("Ahmad", "احمد"), ("Hamed", "حامد"), ("Masoud", "مسعود"), ("Yousef", "یوسف"),
    ("Ehsan", "احسان"), ("Esmail", "اسماعیل"), ("Gholamreza", "غلامرضا"), ("Abdolreza", "عبدالرضا"), ("Alireza", "علیرضا"),
    ("Hamidreza", "حمیدرضا"), ("Masoumeh", "معصومه"), ("Khadijeh", "خدیجه"), ("Zeinab", "زینب"), ("Fereshteh", "فرشته"),
    ("Marzieh", "مرضیه"), ("Mahboubeh", "محبوبه"), ("Zohreh", "زهره"), ("Parisa", "پریسا"), ("Sahar", "سحر"), ("Nader", "نادر"),
    ("Karim", "کریم"), ("Rasoul", "رسول"), ("Bahram", "بهرام"), ("Manouchehr", "منوچهر"), ("Jamshid", "جمشید"), ("Shahla", "شهلا"),
]
EXTRA_FAMILY = [
    ("Mousavi", "موسوی"), ("Ghorbani", "قربانی"), ("Rostami", "رستمی"), ("Mirzaei", "میرزایی"), ("Fathi", "فتحی"),
    ("Khosravi", "خسروی"), ("Nouri", "نوری"), ("Jalali", "جلالی"), ("Ebrahimi", "ابراهیمی"), ("Asadi", "اسدی"),
    ("Heidari", "حیدری"), ("Amini", "امینی"), ("Zarei", "زارعی"), ("Bagheri", "باقری"), ("Soltani", "سلطانی"),
    ("Ghaffari", "غفاری"), ("Ansari", "انصاری"), ("Sharifi", "شریفی"), ("Kamali", "کمالی"), ("Rashidi", "رشیدی"),
    ("Safavi", "صفوی"), ("Nazari", "نظری"), ("Sohrabi", "سهرابی"), ("Alavi", "علوی"), ("Mahdavi", "مهدوی"), ("Khalili", "خلیلی"),
    ("Abbasi", "عباسی"), ("Akbari", "اکبری"), ("Salehi", "صالحی"), ("Bahrami", "بهرامی"), ("Zamani", "زمانی"), ("Taheri", "طاهری"),
]
SUFFIXES = [
    ("", ""), ("zadeh", "زاده"), ("pour", "پور"), ("nejad", "نژاد"), ("ian", "یان"), ("far", "فر"), ("nia", "نیا"), ("vand", "وند"),
    ("khani", "خانی"), ("abadi", "آبادی"), ("dust", "دوست"), ("parast", "پرست"), ("manesh", "منش"), ("rad", "راد"),
]
VARIANTS = {
    **{k: v for k, v in DEMO["spelling_variants"].items()},
    "Reza": ["Rezaa", "Riza"], "Ali": ["Aly"], "Maryam": ["Mariam"], "Zahra": ["Zahrah"], "Leila": ["Leyla", "Laila"],
    "Hashemi": ["Hachemi"], "Kourosh": ["Kurosh"], "Behrouz": ["Behruz"], "Javad": ["Djavad"], "Mousavi": ["Musavi"],
}
ARABIC_FORMS = str.maketrans({"ی": "ي", "ک": "ك"})

GIVEN = [tuple(x) for x in DEMO["given_names_male"] + DEMO["given_names_female"]] + EXTRA_GIVEN
FAMILY_ROOTS = [tuple(x) for x in DEMO["family_names"]] + EXTRA_FAMILY
HEADER = [
    "Roster ID", "Name", "Persian name", "Aliases", "Sex", "Date of birth", "Nationality", "Languages", "Camp", "UNHCR number",
    "Camp number", "Arrival",
]


def family_names() -> list[tuple[str, str]]:
    """Family names: roots with the usual suffixes, and double-barrelled ones (Hosseini-Tabrizi)."""
    single = [(root + s, root_fa + ("\u200c" if s and s != "ian" else "") + s_fa) for root, root_fa in FAMILY_ROOTS for s, s_fa in SUFFIXES]
    double = [(f"{a}-{b}", f"{a_fa} {b_fa}") for a, a_fa in FAMILY_ROOTS for b, b_fa in FAMILY_ROOTS if a != b]
    return single + double


def person(rng: random.Random, n: int, families: list[tuple[str, str]]) -> dict:
    """One fictional person: names (with a chance of a spelling variant and an Arabic-letter original)."""
    given = GIVEN[min(int(rng.paretovariate(1.2)) - 1, len(GIVEN) - 1)] if rng.random() < 0.5 else rng.choice(GIVEN)
    family = rng.choice(families)
    latin, original = f"{given[0]} {family[0]}", f"{given[1]} {family[1]}"
    if rng.random() < 0.12:
        middle = rng.choice(GIVEN)
        latin, original = f"{given[0]} {middle[0]} {family[0]}", f"{given[1]} {middle[1]} {family[1]}"
    for word, variants in VARIANTS.items():
        if word in latin.split() and rng.random() < 0.3:
            latin = latin.replace(word, rng.choice(variants))
    if rng.random() < 0.25:
        original = original.translate(ARABIC_FORMS)
    aliases = ""
    if rng.random() < 0.1:
        word = latin.split()[0]
        if word in VARIANTS:
            aliases = latin.replace(word, VARIANTS[word][0])
    year = rng.randint(1940, 2020)
    precision = rng.random()
    born = str(year) if precision < 0.5 else (f"{year}-{rng.randint(1, 12):02d}" if precision < 0.75 else f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}")
    return {
        "latin": latin, "original": original, "aliases": aliases, "sex": rng.choice("MF"), "born": born,
        "number": f"BENCH-UN-{n:07d}", "camp_number": f"BCH-{n:07d}",
    }


def rows(count: int, *, camps: list[str], seed: int = 6, bad_share: float = 0.02, prefix: str = "B") -> list[list[str]]:
    rng = random.Random(seed)
    families = family_names()
    out = []
    for n in range(1, count + 1):
        p = person(rng, n, families)
        row = [
            f"{prefix}-{n:07d}", p["latin"], p["original"], p["aliases"], p["sex"], p["born"], "IR",
            rng.choice(["fa", "fa;ar", "fa;en", "Persian"]), rng.choice(camps), p["number"], p["camp_number"],
            f"{rng.randint(1986, 2012)}",
        ]
        if rng.random() < bad_share:  # one of the mistakes real rosters hold
            kind = rng.randrange(5)
            if kind == 0:
                row[1] = ""
            elif kind == 1:
                row[5] = f"{rng.randint(1, 28)}/{rng.randint(1, 12)}/{rng.randint(1950, 2000)}"
            elif kind == 2:
                row[8] = "Camp Nowhere (fictional)"
            elif kind == 3 and out:
                row[9] = out[-1][9]
            else:
                row[1] = "=HYPERLINK(\"http://example.invalid\")"
        out.append(row)
    return out


def write(path: Path, data: list[list[str]]) -> Path:
    if path.suffix == ".xlsx":
        from openpyxl import Workbook

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet("Roster")
        sheet.append(HEADER)
        for row in data:
            sheet.append(row)
        workbook.save(path)
    else:
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(HEADER)
            writer.writerows(data)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=3400)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--camp", action="append", default=[], help="camp names to use (default: the demo camps)")
    args = parser.parse_args()
    camps = args.camp or [c["name"] for c in json.loads((BASE / "fixtures" / "demo.json").read_text(encoding="utf-8"))["camps"]]
    write(args.out, rows(args.rows, camps=camps))
    print(f"wrote {args.rows} fictional rows to {args.out}")


if __name__ == "__main__":
    main()
