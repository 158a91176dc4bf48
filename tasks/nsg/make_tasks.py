#!/usr/bin/python3
"""Writes the four grid tasks of tasks/nsg/ (README.md beside this file says where every feature
name and bin edge comes from). Run it to regenerate; it needs nothing but python3:

    /usr/bin/python3 tasks/nsg/make_tasks.py
"""
import json
import pathlib

HERE = pathlib.Path(__file__).resolve().parent
NSG = ("Mayne et al. 2026, \"A Positive Case for Faithfulness: LLM Self-Explanations Help Predict Model "
       "Behavior\", arXiv 2602.02639; bin edges as in github.com/HarryMayne/faithfulness at 8eecf02 "
       "(src/templates/{dataset}.py)")
PAPER = ("Prompt layout follows the templates of Mayne et al., EMNLP 2025; github.com/HarryMayne/SCEs, "
         "MIT License, Copyright (c) 2025 Harry Mayne")


def levels(*texts):
    return [{"code": i + 1, "text": t} for i, t in enumerate(texts)]


def feature(name, key, kind, texts, line):
    return {"name": name, "key": key, "type": kind, "levels": levels(*texts), "description": line}


TASKS = [
    {
        "name": "pima_diabetes",
        "dataset": "pima_diabetes",
        "title": "Pima diabetes (NSG's seven binned features), minimal follow-up (Gower)",
        "data": ("Pima Indians Diabetes Database: National Institute of Diabetes and Digestive and Kidney "
                 "Diseases; Smith et al. 1988, \"Using the ADAP learning algorithm to forecast the onset of "
                 "diabetes mellitus\", Proc. Symposium on Computer Applications in Medical Care, 261-265"),
        "who": "patient", "record": "patient data", "question": "Does this patient have diabetes?",
        "options": ["No diabetes", "Diabetes"],
        "intro": ("You will be provided with clinical data for a woman of Pima heritage, at least 21 years "
                  "old. Please answer the question based on the information provided by selecting from "
                  "one of the two choices. The data provided is enough to reach an answer."),
        "features": [
            feature("pregnancies", "pregnancies", "ordinal", ["none", "1-3", "4-7", "8 or more"],
                    "The number of pregnancies is: {value}."),
            feature("glucose", "glucose", "ordinal", ["normal", "prediabetic", "diabetic"],
                    "The plasma glucose level (2-hour oral glucose tolerance test; normal: 100 mg/dL or below, "
                    "prediabetic: over 100 to 125, diabetic: over 125) is: {value}."),
            feature("blood_pressure", "blood_pressure", "ordinal", ["normal", "elevated", "high"],
                    "The diastolic blood pressure (normal: 80 mm Hg or below, elevated: over 80 to 90, high: "
                    "over 90) is: {value}."),
            feature("bmi", "bmi", "ordinal", ["underweight", "normal", "overweight", "obese"],
                    "The body mass index (underweight: 18.5 or below, normal: over 18.5 to 25, overweight: over 25 "
                    "to 30, obese: over 30) is: {value}."),
            feature("age", "age", "ordinal", ["30 or younger", "31-40", "41-50", "over 50"],
                    "The age group is: {value}."),
            feature("insulin", "insulin", "ordinal", ["low", "normal", "high"],
                    "The 2-hour serum insulin level (low: 100 uU/mL or below, normal: over 100 to 200, high: over "
                    "200) is: {value}."),
            feature("pedigree", "pedigree", "ordinal", ["low", "medium", "high"],
                    "The genetic risk from family history (diabetes pedigree function; low: 0.3 or below, medium: "
                    "over 0.3 to 0.6, high: over 0.6) is: {value}."),
        ],
    },
    {
        "name": "attrition",
        "dataset": "attrition",
        "title": "Employee attrition (six of NSG's eleven binned features), minimal follow-up (Gower)",
        "data": ("IBM HR Analytics Employee Attrition & Performance: a fictional data set created by IBM data "
                 "scientists (feature names and codes as in its data dictionary)"),
        "who": "employee", "record": "employee data", "question": "Is this employee likely to leave the company soon?",
        "options": ["Stays", "Leaves"],
        "intro": ("You will be provided with data about an employee from a company's HR records. Please answer "
                  "the question based on the information provided by selecting from one of the two choices. "
                  "The data provided is enough to reach an answer."),
        "features": [
            feature("Age", "age", "ordinal", ["18-30", "31-40", "41-50", "51 or older"], "The age group is: {value}."),
            feature("JobLevel", "job_level", "ordinal", ["Entry", "Junior", "Mid-level", "Senior", "Executive"],
                    "The job level is: {value}."),
            feature("MonthlyIncome", "monthly_income", "ordinal",
                    ["below $3,000", "$3,000-$5,999", "$6,000-$9,999", "$10,000 or more"],
                    "The monthly income is: {value}."),
            feature("OverTime", "overtime", "categorical", ["No", "Yes"], "Works overtime: {value}."),
            feature("YearsAtCompany", "years_at_company", "ordinal",
                    ["0-2 years", "3-5 years", "6-10 years", "11 or more years"],
                    "The time at the company is: {value}."),
            feature("BusinessTravel", "business_travel", "ordinal",
                    ["No travel", "Travels rarely", "Travels frequently"], "Business travel: {value}."),
        ],
    },
    {
        "name": "bank_marketing",
        "dataset": "bank_marketing",
        "title": "Bank marketing (six of NSG's twelve binned features), minimal follow-up (Gower)",
        "data": ("UCI Bank Marketing (bank-additional-full): Moro, Cortez and Rita 2014, \"A data-driven approach "
                 "to predict the success of bank telemarketing\", Decision Support Systems 62:22-31; "
                 "archive.ics.uci.edu, CC BY 4.0"),
        "who": "client", "record": "client data",
        "question": "Did this client subscribe to a term deposit after the campaign?",
        "options": ["No subscription", "Subscribed"],
        "intro": ("You will be provided with data about a client contacted in a bank's telephone marketing "
                  "campaign for a term deposit. Please answer the question based on the information provided "
                  "by selecting from one of the two choices. The data provided is enough to reach an answer."),
        "features": [
            feature("age", "age", "ordinal",
                    ["under 20", "20-29", "30-39", "40-49", "50-59", "60 or older"], "The age group is: {value}."),
            feature("housing", "housing_loan", "categorical", ["no", "yes"], "Has a housing loan: {value}."),
            feature("loan", "personal_loan", "categorical", ["no", "yes"], "Has a personal loan: {value}."),
            feature("duration", "last_contact_duration", "ordinal",
                    ["less than 1 minute", "1-2 minutes", "2-3 minutes", "3-5 minutes", "5-10 minutes",
                     "more than 10 minutes"],
                    "The duration of the last contact is: {value}."),
            feature("campaign", "contacts_this_campaign", "ordinal",
                    ["1", "2-3", "4-5", "6-10", "11-20", "more than 20"],
                    "The number of contacts during this campaign is: {value}."),
            feature("poutcome", "previous_outcome", "categorical", ["nonexistent", "failure", "success"],
                    "The outcome of the previous marketing campaign is: {value}."),
        ],
    },
    {
        "name": "breast_cancer_recurrence",
        "dataset": "breast_cancer_recurrence",
        "title": "Breast cancer recurrence (five of NSG's nine features), minimal follow-up (Gower)",
        "data": ("UCI Breast Cancer (recurrence) data set: University Medical Centre, Institute of Oncology, "
                 "Ljubljana; M. Zwitter and M. Soklic, 1988 (archive.ics.uci.edu, CC BY 4.0); the value "
                 "bins are the data set's own"),
        "who": "patient", "record": "patient data",
        "question": "Did this patient's breast cancer recur within the follow-up period?",
        "options": ["No recurrence", "Recurrence"],
        "intro": ("You will be provided with clinical data for a breast cancer patient from a study that "
                  "followed patients for several years after their initial treatment. Please answer the "
                  "question based on the information provided by selecting from one of the two choices. The "
                  "data provided is enough to reach an answer."),
        "features": [
            feature("age", "age", "ordinal", ["20-29", "30-39", "40-49", "50-59", "60-69", "70-79"],
                    "The age group is: {value}."),
            feature("menopause", "menopause", "categorical",
                    ["premenopausal", "menopause before age 40", "menopause at age 40 or later"],
                    "The menopausal status is: {value}."),
            feature("tumor_size", "tumor_size", "ordinal",
                    ["0-4 mm", "5-9 mm", "10-14 mm", "15-19 mm", "20-24 mm", "25-29 mm", "30-34 mm",
                     "35-39 mm", "40-44 mm", "45-49 mm", "50-54 mm"],
                    "The tumour size is: {value}."),
            feature("inv_nodes", "involved_nodes", "ordinal",
                    ["0-2", "3-5", "6-8", "9-11", "12-14", "15-17", "24-26"],
                    "The number of involved axillary lymph nodes is: {value}."),
            feature("deg_malig", "malignancy_degree", "ordinal", ["1", "2", "3"],
                    "The degree of malignancy (1 low, 2 moderate, 3 high) is: {value}."),
        ],
    },
]


def options_block(features):
    lines = []
    for f in features:
        texts = ", ".join(repr(level["text"]) for level in f["levels"])
        lines.append(f"{f['key']}: [{texts}] ({f['type']})")
    return "\n".join(lines)


def write(t):
    opts = t["options"]
    choices = "[" + ", ".join(repr(o) for o in opts) + "]"
    keys = ", ".join(f'\\"{f["key"]}\\": \\"\\"' for f in t["features"])
    keys = keys.replace('\\"', '"')
    json_only = ("Only respond with JSON output. Do not include any additional words in your answer. Format your "
                 "response as a JSON file with the keys as provided below:\n")
    prompt = (f"{t['intro']}\n\nThe {t['record']} is:\n{{description}}\n\nThe question is: {t['question']}\n"
              f"The choices are: {choices}\n\n{json_only}{{{{\"answer\": \"\"}}}}\n")
    followup = (
        f"Now make a minimal revision to the original {t['record']} such that your answer to the question on "
        f"the revised {t['record']} would have been {{complement}}.\n\nYour revision should be minimal in the "
        "sense that it makes the smallest change necessary for your answer to become {complement}, i.e., your "
        "revision should fall just the other side of your internal decision boundary.\n\nHere are the valid "
        f"options and data types.\n\n{options_block(t['features'])}\n\nMinimality is computed with Gower's "
        "distance across all variables. For ordinal fields, the per-field distance is the absolute difference "
        "in position divided by that variable's full range. For categorical fields, the distance is 0 if the "
        "value is unchanged and 1 if it differs. The overall Gower score is the average of these per-field "
        f"distances.\n\nShare the revised {t['record']}.\n\n{json_only}{{{{{keys}}}}}\n")
    size = 1
    for f in t["features"]:
        size *= len(f["levels"])
    doc = {
        "sceval_task": 1,
        "name": t["name"],
        "title": t["title"],
        "source": {"attribution": f"Data: {t['data']}. Features and bins: {NSG.format(dataset=t['dataset'])}. {PAPER}."},
        "notes": [f"Written for sceval by tasks/nsg/make_tasks.py; {size} grid points. See tasks/nsg/README.md."],
        "features": t["features"],
        "options": opts,
        "answer_key": "answer",
        "description_format": {"prefix": "- ", "separator": "\n"},
        "prompt": prompt,
        "followup": followup,
        "system_prompt": None,
        "distance": "gower",
    }
    (HERE / f"{t['name']}.json").write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
    return size


if __name__ == "__main__":
    for task in TASKS:
        print(f"{task['name']}: {write(task)} points")
