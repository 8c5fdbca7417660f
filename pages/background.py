"""Background: IL-1 signalling, why anakinra is used in DIRA and HLH/MAS, and how the conditions are diagnosed."""

import streamlit as st

from lib.links import doi_url

# (label, full reference, DOI). Only references whose details were checked.
REFERENCES = [
    ("Dinarello 2009", "Dinarello CA. Immunological and inflammatory functions of the interleukin-1 family. "
     "Annu Rev Immunol. 2009;27:519-550.", "10.1146/annurev.immunol.021908.132612"),
    ("Aksentijevich 2009", "Aksentijevich I, et al. An autoinflammatory disease with deficiency of the "
     "interleukin-1-receptor antagonist. N Engl J Med. 2009;360:2426-2437.", "10.1056/NEJMoa0807865"),
    ("Reddy 2009", "Reddy S, et al. An autoinflammatory disease due to homozygous deletion of the IL1RN locus. "
     "N Engl J Med. 2009;360:2438-2444.", "10.1056/NEJMoa0809568"),
    ("Henter 2007", "Henter JI, et al. HLH-2004: diagnostic and therapeutic guidelines for hemophagocytic "
     "lymphohistiocytosis. Pediatr Blood Cancer. 2007;48:124-131.", "10.1002/pbc.21039"),
    ("Fardet 2014", "Fardet L, et al. Development and validation of the HScore, a score for the diagnosis of "
     "reactive hemophagocytic syndrome. Arthritis Rheumatol. 2014;66:2613-2620.", "10.1002/art.38690"),
    ("Ravelli 2016", "Ravelli A, et al. 2016 classification criteria for macrophage activation syndrome "
     "complicating systemic juvenile idiopathic arthritis: a European League Against Rheumatism/American "
     "College of Rheumatology/Paediatric Rheumatology International Trials Organisation collaborative "
     "initiative. Ann Rheum Dis. 2016;75:481-489.", "10.1136/annrheumdis-2015-208982"),
    ("Mehta 2020", "Mehta P, et al. Silencing the cytokine storm: the use of intravenous anakinra in "
     "haemophagocytic lymphohistiocytosis or macrophage activation syndrome. Lancet Rheumatol. "
     "2020;2:e358-e367.", "10.1016/S2665-9913(20)30096-5"),
]

st.title("Background")
st.caption("A short orientation for readers of the dashboard. Sources are listed at the end; this page is not "
           "clinical guidance.")

st.subheader("Interleukin-1 signalling")
st.markdown(
    "Interleukin-1 (IL-1) is one of the body's main alarm signals. Two forms, IL-1α and IL-1β, bind the same "
    "receptor (IL-1R1). Once bound, the receptor pairs with a co-receptor (IL-1RAcP) and switches on an "
    "intracellular chain (MyD88, IRAK kinases, NF-κB and MAP kinases) that produces fever, acute-phase proteins "
    "such as CRP, neutrophilia, and more cytokines, including IL-6. IL-1β is made as an inactive precursor and "
    "is released in its active form after cleavage by caspase-1 in the inflammasome (Dinarello 2009).\n\n"
    "The body limits this signal with its own brake, the IL-1 receptor antagonist (IL-1Ra, gene *IL1RN*). "
    "IL-1Ra occupies IL-1R1 without recruiting the co-receptor, so no signal is sent. **Anakinra** is a "
    "recombinant form of IL-1Ra: it blocks the receptor for both IL-1α and IL-1β. Its half-life is short (a few "
    "hours), which is why it is given daily or more often, and why its effect fades quickly when it is stopped "
    "(Dinarello 2009)."
)

st.subheader("Why anakinra is used in DIRA")
st.markdown(
    "Deficiency of the IL-1 receptor antagonist (DIRA) is a rare autosomal recessive disease caused by "
    "loss-of-function variants (or deletions) of both copies of *IL1RN*. Without IL-1Ra, IL-1 signalling has no "
    "natural brake. Babies present in the first weeks of life with pustular skin rash, inflammation of bone "
    "(multifocal osteomyelitis, periostitis), joint swelling and very high inflammatory markers; untreated, the "
    "disease can be fatal. Anakinra **replaces the missing protein**, and the first reports described rapid and "
    "lasting remission on daily treatment (Aksentijevich 2009; Reddy 2009)."
)

st.subheader("Why anakinra is used in HLH and MAS")
st.markdown(
    "Haemophagocytic lymphohistiocytosis (HLH) is a life-threatening hyperinflammatory state in which activated "
    "T cells and macrophages release large amounts of cytokines (a cytokine storm): persistent fever, "
    "cytopenias, enlarged liver and spleen, very high ferritin, abnormal liver tests and coagulation, and organ "
    "failure. *Primary* (familial) HLH comes from inherited defects of lymphocyte cytotoxicity; *secondary* HLH "
    "is triggered by infection (often viral, e.g. EBV), malignancy, immune therapies or autoimmune disease. When "
    "it complicates a rheumatic disease, above all systemic juvenile idiopathic arthritis (sJIA) and adult-onset "
    "Still's disease, it is called macrophage activation syndrome (MAS).\n\n"
    "IL-1 is one of the amplifiers of this storm. Anakinra **blocks IL-1 signalling** and so damps the cycle of "
    "cytokine release. It does not suppress the bone marrow, its short half-life lets doctors adjust or stop it "
    "quickly, and it can be given under the skin or intravenously, including as a continuous infusion in the "
    "critically ill. These properties are why it is used, usually together with glucocorticoids and other "
    "treatments, in secondary HLH and MAS; the evidence is mainly from case reports, case series and "
    "retrospective cohorts, which this dashboard collects (Mehta 2020)."
)

st.subheader("How the conditions are diagnosed")
st.markdown(
    "**DIRA** is confirmed by finding biallelic disease-causing variants or a deletion of *IL1RN* in a child with "
    "the typical early-onset picture (Aksentijevich 2009; Reddy 2009).\n\n"
    "**HLH-2004 criteria** (Henter 2007). HLH is diagnosed with a molecular diagnosis consistent with HLH, *or* "
    "with at least five of eight criteria:\n"
    "1. fever;\n"
    "2. splenomegaly;\n"
    "3. cytopenias in at least two lineages (haemoglobin < 90 g/L, platelets < 100 × 10⁹/L, neutrophils "
    "< 1.0 × 10⁹/L);\n"
    "4. hypertriglyceridaemia (fasting ≥ 3.0 mmol/L) and/or hypofibrinogenaemia (≤ 1.5 g/L);\n"
    "5. haemophagocytosis in bone marrow, spleen or lymph nodes;\n"
    "6. low or absent NK-cell activity;\n"
    "7. ferritin ≥ 500 μg/L;\n"
    "8. soluble CD25 (soluble IL-2 receptor) ≥ 2400 U/mL.\n\n"
    "The criteria were written for children and for a first diagnosis; they can be slow to fulfil in adults or "
    "in patients with an underlying rheumatic disease.\n\n"
    "**HScore** (Fardet 2014). A weighted score for *reactive* (secondary) HLH in adults built from nine "
    "variables: known underlying immunosuppression, temperature, organomegaly, number of cytopenias, ferritin, "
    "triglycerides, fibrinogen, AST, and haemophagocytosis on bone-marrow aspirate. It gives a probability of "
    "HLH; in the development study a score above 169 separated patients with and without HLH well.\n\n"
    "**2016 EULAR/ACR/PRINTO classification criteria for MAS in sJIA** (Ravelli 2016). A febrile patient with "
    "known or suspected sJIA is classified as having MAS if ferritin is > 684 ng/mL and at least two of the "
    "following are present: platelets ≤ 181 × 10⁹/L, AST > 48 U/L, triglycerides > 156 mg/dL, fibrinogen "
    "≤ 360 mg/dL. These are classification criteria, designed to separate MAS from a flare of sJIA or an "
    "infection, rather than a stand-alone diagnostic test."
)

st.subheader("References")
lines = []
for label, text, doi in REFERENCES:
    url = doi_url(doi)
    lines.append(f"- **{label}**. {text} doi: [{doi}]({url})" if url else f"- **{label}**. {text}")
st.markdown("\n".join(lines))
