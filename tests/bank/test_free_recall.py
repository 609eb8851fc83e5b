"""Free recall of positions: typed answers are graded as a person would (issue 14, finding 8)."""

from pathlib import Path

import pytest

from quiz.bank.reader import read_bank
from quiz.core.grading import grade

ROOT = Path(__file__).resolve().parents[2]
ITEMS = {item.id: item for item in read_bank(ROOT / "question_bank", ROOT / "seeds")[1]}

# (item, typed answers a person would accept, typed answers that are wrong)
CASES = [
    ("overview-safe-haven-short", ["safe haven", "a safe haven for militants"], ["a market"]),
    ("overview-us-power-short", ["the U.S.", "United States", "America"], ["Russia"]),
    ("overview-adverse-ways-short", ["adverse", "harmful"], ["benign"]),
    ("overview-deliberately-short", ["deliberately", "slowly"], ["quickly"]),
    ("belgrade-suspected-short", ["deliberate", "on purpose"], ["an accident"]),
    ("belgrade-frozen-short", ["frozen", "froze"], ["warm"]),
    ("partners-coordination-short", ["coordination", "co-ordination"], ["cooperation"]),
    ("partners-cautiously-short", ["cautiously", "with caution"], ["eagerly"]),
    ("afghan-struggling-short", ["struggling"], ["succeeding"]),
    ("afghan-separatists-short", ["Uighur", "Uyghurs", "Uigur separatists"], ["Tibetan"]),
    ("rivals-prevent-harm-short", ["harming", "hurting"], ["helping"]),
    ("rivals-nukes-closer-short", ["China", "the PRC"], ["Japan"]),
    (
        "rivals-prc-economy-short",
        ["China's economy", "the PRC economy", "Chinas economy"],
        ["NATO"],
    ),
    ("rivals-east-asia-short", ["East Asia", "East Asian"], ["Europe"]),
    ("rivals-free-license-short", ["a free license", "free licence", "a free hand"], ["a veto"]),
    ("rivals-libya-case-who", ["People's Daily", "Peoples Daily", "the Peoples Dialy"], ["Xinhua"]),
    ("rivals-sco-interventions-short", ["military interventions"], ["cyber attacks"]),
    ("rivals-sco-bmd-short", ["ballistic missile defence", "missile defense"], ["piracy"]),
    ("reserv-network-short", ["a global alliance network", "an alliance network"], ["a council"]),
    (
        "reserv-strongholds-who",
        ["a senior government-affiliated scholar", "a Chinese scholar"],
        ["Qu Xing"],
    ),
    ("reserv-unsustainable-who", ["People’s Daily", "Renmin Ribao"], ["China Daily"]),
    ("reserv-nonalignment-short", ["nonalignment", "non-alignment"], ["alignment"]),
]


@pytest.mark.parametrize(("item_id", "right", "wrong"), CASES, ids=[case[0] for case in CASES])
def test_a_typed_position_is_graded_as_a_person_would(item_id, right, wrong):
    item = ITEMS[item_id]
    assert item.type == "short"
    for typed in right:
        assert grade("short", item.payload, typed).correct, f"{typed!r} marked wrong"
    for typed in wrong:
        assert not grade("short", item.payload, typed).correct, f"{typed!r} marked right"
