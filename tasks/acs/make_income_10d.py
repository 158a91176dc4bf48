#!/usr/bin/env python3
"""Writes income_10d.json: the ten ACSIncome features with folktexts' wording (see README.md).

Value texts and the "The <short description> is: <value>." line are folktexts'
(github.com/socialfoundations/folktexts, folktexts/acs/acs_columns.py at 8a6d735, MIT License,
Copyright (c) 2024 Social Foundations of Computation, at MPI-IS). OCCP (529 codes) and POBP (224
codes) are grouped into the levels below; the prompt and follow-up wording is the paper's income
prompt (tasks/paper/income.json) with the ten features.
"""
import json

def line(short):
    return "The " + short + " is: {value}."

COW = ["Working for a for-profit private company or organization", "Working for a non-profit organization",
       "Working for the local government", "Working for the state government", "Working for the federal government",
       "Owner of non-incorporated business, professional practice, or farm",
       "Owner of incorporated business, professional practice, or farm",
       "Working without pay in a for-profit family business or farm",
       "Unemployed and last worked 5 years ago or earlier or never worked"]
SCHL = ["N/A - no schooling completed", "Nursery school / preschool", "Kindergarten", "1st grade only", "2nd grade",
        "3rd grade", "4th grade", "5th grade", "6th grade", "7th grade", "8th grade", "9th grade", "10th grade",
        "11th grade", "12th grade, no diploma", "Regular high school diploma", "GED or alternative credential",
        "Some college, less than 1 year", "Some college, 1 or more years, no degree", "Associate's degree",
        "Bachelor's degree", "Master's degree", "Professional degree beyond a bachelor's degree", "Doctorate degree"]
MAR = ["Married", "Widowed", "Divorced", "Separated", "Never married"]
# OCCP grouped by the codebook's category prefix (MGR-, BUS-, ...), in codebook order; the two
# codes without a prefix join their neighbours (1555 -> ENG, 8000 -> PRD), 9920 is its own level.
OCCP = [("MGR", "Management"), ("BUS", "Business operations"), ("FIN", "Financial"),
        ("CMM", "Computer and mathematical"), ("ENG", "Architecture and engineering"),
        ("SCI", "Life, physical, and social science"), ("CMS", "Community and social service"),
        ("LGL", "Legal"), ("EDU", "Education"), ("ENT", "Arts, design, entertainment, sports, and media"),
        ("MED", "Healthcare practitioners and technical"), ("HLS", "Healthcare support"),
        ("PRT", "Protective service"), ("EAT", "Food preparation and serving"),
        ("CLN", "Building and grounds cleaning and maintenance"), ("PRS", "Personal care and service"),
        ("SAL", "Sales"), ("OFF", "Office and administrative support"), ("FFF", "Farming, fishing, and forestry"),
        ("CON", "Construction"), ("EXT", "Extraction"), ("RPR", "Installation, maintenance, and repair"),
        ("PRD", "Production"), ("TRN", "Transportation and material moving"), ("MIL", "Military")]
OCCP_TEXT = [name + " occupations" for _, name in OCCP] + ["Unemployed and last worked 5 years ago or earlier or never worked"]
# POBP grouped by the codebook's code ranges.
POBP = ["A US state or the District of Columbia (codes 001-056)",
        "A US territory: American Samoa, Guam, Northern Mariana Islands, Puerto Rico or US Virgin Islands (060-078)",
        "Europe (100-169)", "Asia (200-254)", "North America outside the US, Central America or the Caribbean (300-344)",
        "South America (360-374), or the Americas not specified (399)", "Africa (400-469)", "Oceania (501-554)"]
RELP = ["The reference person itself", "Husband/wife", "Biological son or daughter", "Adopted son or daughter",
        "Stepson or stepdaughter", "Brother or sister", "Father or mother", "Grandchild", "Parent-in-law",
        "Son-in-law or daughter-in-law", "Other relative", "Roomer or boarder", "Housemate or roommate",
        "Unmarried partner", "Foster child", "Other non-relative", "Institutionalized group quarters population",
        "Non-institutionalized group quarters population"]
SEX = ["Male", "Female"]
RAC1P = ["White", "Black or African American", "American Indian", "Alaska Native",
         "American Indian and Alaska Native tribes specified; or American Indian or Alaska Native, not specified and no other races",
         "Asian", "Native Hawaiian and Other Pacific Islander", "Some other race alone (non-White)", "Two or more races"]

def levels(texts, first_code=1):
    return [{"code": first_code + i, "text": t} for i, t in enumerate(texts)]

features = [
    {"name": "AGEP", "key": "age", "type": "integer", "start": 17, "stop": 96, "step": 1,
     "description": "The age is: {value} years old.", "number_parse": "first_integer"},
    {"name": "COW", "key": "class_of_worker", "type": "categorical", "levels": levels(COW),
     "description": line("class of worker")},
    {"name": "SCHL", "key": "education", "type": "ordinal", "levels": levels(SCHL),
     "description": line("highest educational attainment")},
    {"name": "MAR", "key": "marital_status", "type": "categorical", "levels": levels(MAR),
     "description": line("marital status")},
    {"name": "OCCP", "key": "occupation", "type": "categorical", "levels": levels(OCCP_TEXT),
     "description": line("occupation")},
    {"name": "POBP", "key": "place_of_birth", "type": "categorical", "levels": levels(POBP),
     "description": line("place of birth")},
    {"name": "RELP", "key": "relationship", "type": "categorical", "levels": levels(RELP, 0),
     "description": line("relationship to the reference person in the survey")},
    {"name": "WKHP", "key": "hours_per_week", "type": "integer", "start": 1, "stop": 99, "step": 1,
     "description": "The usual number of hours worked per week is: {value} hours.", "number_parse": "first_integer"},
    {"name": "SEX", "key": "sex", "type": "categorical", "levels": levels(SEX), "description": line("sex")},
    {"name": "RAC1P", "key": "race", "type": "categorical", "levels": levels(RAC1P), "description": line("race")},
]

def options_line(f):
    if f["type"] == "integer":
        return f'{f["key"]}: {f["start"]}-{f["stop"]} inclusive (integer)'
    return f'{f["key"]}: {[l["text"] for l in f["levels"]]} ({f["type"]})'

prompt = ("You will be provided data corresponding to a survey respondent. The survey was conducted among US residents "
          "in 2018. Please answer the question based on the information provided by selecting from one of the two "
          "choices. The data provided is enough to reach an answer.\n\nThe respondent data is: \n{description}\n\n"
          "The question is: What is this person's estimated yearly income?\nThe choices are: ['Below $50,000', "
          "'Above $50,000']\n\nOnly respond with JSON output. Do not include any additional words in your answer. "
          "Format your response as a JSON file with the keys as provided below:\n{{\"answer\": \"\"}}\n")
followup = ("Now revise the original respondent data such that your answer to the question on the revised respondent "
            "data would have been {complement}.\n\nHere are the valid options and data types.\n\n"
            + "\n".join(options_line(f) for f in features).replace("{", "{{").replace("}", "}}")
            + "\n\nShare the revised data.\n\nOnly respond with JSON output. Do not include any additional words in "
            "your answer. Format your response as a JSON file with the keys as provided below:\n{{"
            + ", ".join(f'"{f["key"]}": ""' for f in features) + "}}\n")

task = {
    "sceval_task": 1,
    "name": "income_10d",
    "title": "ACS income, the ten ACSIncome features (lazy decision maps)",
    "source": {"attribution": "Feature wording and value texts: folktexts (github.com/socialfoundations/folktexts, "
                              "folktexts/acs/acs_columns.py at 8a6d735), MIT License, Copyright (c) 2024 Social "
                              "Foundations of Computation, at MPI-IS. Prompt and follow-up: the paper's income prompt, "
                              "Mayne et al., EMNLP 2025, github.com/HarryMayne/SCEs, MIT License, Copyright (c) 2025 Harry Mayne."},
    "notes": ["Generated by tasks/acs/make_income_10d.py; grouping of OCCP and POBP documented in tasks/acs/README.md.",
              "About 5.8e11 grid points: only --decision-map lazy (or auto) can audit it."],
    "features": features,
    "options": ["Below $50,000", "Above $50,000"],
    "answer_key": "answer",
    "description_format": {"prefix": "- ", "separator": "\n"},
    "prompt": prompt,
    "followup": followup,
    "system_prompt": None,
    "distance": "gower",
}
with open("income_10d.json", "w") as f:
    json.dump(task, f, indent=1, ensure_ascii=False)
    f.write("\n")
n = 1
for f in features:
    n *= (f["stop"] - f["start"] + 1) if f["type"] == "integer" else len(f["levels"])
print("grid points:", n)
