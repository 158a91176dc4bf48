// Tests of the parse module's answers and SCEs against the paper's parsing code (HarryMayne/SCEs@ac7f47e,
// src/utils.py and src/main.py); [oracle] marks values produced by the paper's own functions, as in
// parse/text_test.cpp, whose header says how.
#include <cmath>
#include <limits>
#include <vector>

#include <gtest/gtest.h>

#include "parse/parse.h"
#include "parse_test_helpers.h"

namespace sceval::parse {
namespace {

using task::Task;
using testing::heart;
using testing::house;
using testing::income;
using testing::J;
using testing::None;
using testing::paper_task;

// The values parse_sce reports for features that parsed (ok or off-grid); NaN marks "None".
std::vector<double> sce_values(const SceParse& s) {
  std::vector<double> v;
  for (std::size_t j = 0; j < s.values.size(); ++j) {
    bool parsed = s.feature_status[j] == Status::Ok || s.feature_status[j] == Status::OffGrid;
    v.push_back(parsed ? *s.values[j] : std::numeric_limits<double>::quiet_NaN());
  }
  return v;
}

void expect_values(const SceParse& s, std::vector<double> expected) {
  auto got = sce_values(s);
  ASSERT_EQ(got.size(), expected.size());
  for (std::size_t j = 0; j < got.size(); ++j) {
    if (std::isnan(expected[j]))
      EXPECT_TRUE(std::isnan(got[j])) << "feature " << j << " got " << got[j] << " (" << s.detail << ")";
    else
      EXPECT_EQ(got[j], expected[j]) << "feature " << j << " (" << s.detail << ")";
  }
}

// ---------------------------------------------------------------------------------------------
// The turn-1 answer: nothing_2_NA(extract_dict_answer(parse_json_from_text(reply)))

TEST(ParseAnswer, FindKeyLikeExtractDictAnswer) {
  Json j = J(R"({"reasoning": "r", "result": {"answer": "X"}})");
  EXPECT_EQ(find_key(j, "answer"), nullptr);  // only the first value is searched  [oracle]
  j = J(R"({"response": {"answer": "X"}, "answer2": 1})");
  ASSERT_NE(find_key(j, "answer"), nullptr);
  EXPECT_EQ(*find_key(j, "answer"), "X");  // [oracle]
  j = J(R"({"a": {"answer": null}, "b": {"answer": "X"}})");
  EXPECT_EQ(*find_key(j, "answer"), "X");  // a nested null match moves on  [oracle]
  j = J(R"({" ANSWER ": "X"})");
  EXPECT_EQ(*find_key(j, "answer"), "X");  // k.strip().lower()  [oracle]
  j = J(R"([[1], {"answer": "X"}])");
  EXPECT_EQ(find_key(j, "answer"), nullptr);  // lists: first item only
  j = J(R"({"Age": {"x": 1}, "age": 2})");
  EXPECT_EQ(*find_key(j, "AGE"), J(R"({"x": 1})"));  // the first matching key at a level wins
  // Key order decides: an ordered_json keeps the reply's order, a nlohmann::json sorts keys.
  const char* reply = R"({"b": {"answer": "X"}, "a": 1})";
  EXPECT_EQ(*find_key(J(reply), "answer"), "X");
  EXPECT_EQ(find_key(nlohmann::json::parse(reply), "answer"), nullptr);
}

TEST(ParseAnswer, ExtractAnswer) {
  auto text = [](const char* reply) { return extract_answer(reply).text; };
  EXPECT_EQ(text(R"({"answer": "Above $50,000"})"), "Above $50,000");         // [oracle]
  EXPECT_EQ(text(R"({"response": {"answer": "X"}})"), "X");                   // [oracle]
  EXPECT_EQ(text(R"({"reasoning": "r", "result": {"answer": "X"}})"), "NA");  // [oracle]
  EXPECT_EQ(text(R"({" ANSWER ": "X"})"), "X");                               // [oracle]
  EXPECT_EQ(text("{\"answer\xE2\x80\x83\": \"X\"}"), "X");                    // EM SPACE stripped  [oracle]
  EXPECT_EQ(text(R"({"a": {"answer": null}, "b": {"answer": "X"}})"), "X");   // [oracle]
  EXPECT_EQ(text(R"({"answer": null})"), "NA");                               // [oracle]
  EXPECT_EQ(text(R"({"answer": ""})"), "NA");                                 // nothing_2_NA  [oracle]
  EXPECT_EQ(text(R"({"answer": []})"), "NA");                                 // [oracle]
  EXPECT_EQ(text(R"([{"answer": "X"}])"), "X");                               // [oracle]
  EXPECT_EQ(text(R"([[1], {"answer": "X"}])"), "X");  // the first '{' is the candidate  [oracle]
  EXPECT_EQ(text("no json here"), "NA");              // [oracle]
  EXPECT_EQ(text("```json\n{'answer': 'Below $50,000'}\n```"), "Below $50,000");
  // Non-strings: lists/objects are kept (never an option); numbers/booleans crash nothing_2_NA.
  Answer a = extract_answer(R"({"answer": ["Above $50,000"]})");  // [oracle]
  EXPECT_FALSE(a.is_string);
  EXPECT_EQ(a.text, R"(["Above $50,000"])");
  a = extract_answer(R"({"answer": 1})");  // [oracle: TypeError]
  EXPECT_FALSE(a.is_string);
  EXPECT_EQ(a.text, "1");
  // A task's answer_key is matched the same way.
  EXPECT_EQ(extract_answer(R"({"Label": "yes"})", "label").text, "yes");
}

TEST(ParseAnswer, LabelOfAnswer) {
  const Task& t = income();
  auto kind = [&](std::string_view s) { return to_string(label_of_answer(t, s).kind); };
  EXPECT_EQ(kind("Above $50,000"), "option");
  EXPECT_EQ(label_of_answer(t, "Above $50,000").option, 1u);
  EXPECT_EQ(label_of_answer(t, "Below $50,000").option, 0u);
  EXPECT_EQ(kind("NA"), "na");
  EXPECT_EQ(kind(""), "na");
  EXPECT_EQ(kind("above $50,000"), "off_label");  // exact equality, as the paper compares
  EXPECT_EQ(kind("Above $50,000 "), "off_label");
  EXPECT_EQ(to_string(label_of_answer(t, extract_answer(R"({"answer": ["Above $50,000"]})")).kind), "off_label");
  EXPECT_EQ(to_string(label_of_answer(t, extract_answer(R"({"answer": []})")).kind), "na");
  EXPECT_EQ(to_string(label_of_answer(t, extract_answer(R"({"Answer": "Below $50,000"})")).kind), "option");
}

// ---------------------------------------------------------------------------------------------
// SCEs: main.py + dict_keys_to_numbers + *_postprocessing

TEST(ParseSce, StatusNames) {
  for (Status s : {Status::Ok, Status::NoJson, Status::MalformedJson, Status::NotAnObject, Status::MissingKey,
                   Status::UnknownLevel, Status::NonNumeric, Status::OffGrid})
    EXPECT_EQ(status_from_string(to_string(s)), s);
  EXPECT_EQ(to_string(Status::OffGrid), "off_grid");
  EXPECT_EQ(to_string(Status::MissingKey), "missing_key");
  EXPECT_FALSE(status_from_string("bogus"));
}

TEST(ParseSce, IncomeOk) {
  SceParse s =
      parse_sce(income(), "```json\n{\"age\": \"45\", \"education\": \"Bachelor's degree\"}\n```");  // [oracle]
  EXPECT_EQ(to_string(s.status), "ok") << s.detail;
  expect_values(s, {45, 21});
  ASSERT_TRUE(s.record);
  EXPECT_EQ(*s.record, (grid::Record{28, 20}));  // age 45 is position 45-17; code 21 is the 21st level
  EXPECT_EQ(s.raw["age"], "45");
  EXPECT_TRUE(s.detail.empty());
}

TEST(ParseSce, IncomeEducationRules) {
  auto edu = [](const char* value) {
    return parse_sce(income(), std::string(R"({"age": 45, "education": )") + value + "}");
  };
  // _normalize matches the level texts.  [oracle]
  expect_values(edu(R"("BACHELORS DEGREE!!")"), {45, 21});
  expect_values(edu(R"("Masters degree")"), {45, 22});
  expect_values(edu(R"("7th grade")"), {45, 10});
  // The curly apostrophe is not removed: "bachelor s degree" matches nothing.  [oracle]
  SceParse s = edu("\"Bachelor\xE2\x80\x99s degree\"");
  EXPECT_EQ(to_string(s.status), "unknown_level");
  EXPECT_NE(s.detail.find("Bachelor\xE2\x80\x99s degree"), std::string::npos) << s.detail;
  expect_values(s, {45, None});
  EXPECT_FALSE(s.record);
  // grade_fallback: the first standalone 1-2 digit number n in [1, 12] -> code n + 3.  [oracle]
  expect_values(edu(R"("grade 7")"), {45, 10});
  expect_values(edu(R"("Grade 12, no diploma")"), {45, 15});
  expect_values(edu(R"("grade 13")"), {45, None});            // out of [1, 12]
  expect_values(edu(R"("13 years, grade 12")"), {45, None});  // only the first number counts
  // Numbers go through str(): 7 -> "7" -> grade 7; 7.0 -> "7.0" -> "7 0" -> grade 7; 16 -> NA.  [oracle]
  expect_values(edu("7"), {45, 10});
  expect_values(edu("7.0"), {45, 10});
  expect_values(edu("16"), {45, None});
  expect_values(edu(R"("16")"), {45, None});
  // str(list) is the list's repr: ["Bachelor's degree"] -> "[\"Bachelor's degree\"]" matches.  [oracle]
  expect_values(edu(R"(["Bachelor's degree"])"), {45, 21});
  // null -> str(None) = "None" -> no level.  [oracle]
  s = edu("null");
  EXPECT_EQ(to_string(s.status), "unknown_level");
  EXPECT_NE(s.detail.find("None"), std::string::npos);
}

TEST(ParseSce, IncomeAgeFirstIntegerRule) {
  auto age = [](const char* value) {
    return parse_sce(income(), std::string(R"({"age": )") + value + R"(, "education": "Kindergarten"})");
  };
  // general_string2num: the first integer in a string; a JSON number is used as it is.  [oracle]
  expect_values(age(R"("45 years")"), {45, 3});
  EXPECT_TRUE(age(R"("45 years")").ok());
  expect_values(age(R"("45.7")"), {45, 3});
  expect_values(age(R"("-5")"), {5, 3});
  expect_values(age("\"\xD9\xA4\xD9\xA5\""), {45, 3});
  SceParse s = age("45.7");
  EXPECT_EQ(to_string(s.status), "off_grid");
  expect_values(s, {45.7, 3});
  EXPECT_FALSE(s.record);
  s = age(R"("forty")");
  EXPECT_EQ(to_string(s.status), "non_numeric");
  EXPECT_NE(s.detail.find("age"), std::string::npos);
  expect_values(age("true"), {None, 3});  // re.search on a bool raises; caught -> None  [oracle]
  s = age("16");  // below the grid (17..96): off-grid, value kept for a live check  [oracle: 16.0]
  EXPECT_EQ(to_string(s.status), "off_grid");
  EXPECT_EQ(s.values[0], 16.0);
  EXPECT_EQ(s.feature_status[1], Status::Ok);
}

TEST(ParseSce, PaperKeyLookup) {
  // main.py matches keys exactly, top level only, and stops at the first key it does not know.
  SceParse s = parse_sce(income(), R"({"Age": "45", "education": "Kindergarten"})");  // [oracle: None, None]
  EXPECT_EQ(to_string(s.status), "missing_key");
  expect_values(s, {None, None});
  EXPECT_NE(s.detail.find("\"age\""), std::string::npos) << s.detail;
  EXPECT_NE(s.detail.find("\"Age\""), std::string::npos) << s.detail;
  s = parse_sce(income(), R"({"education": "Kindergarten", "Age": "45"})");  // [oracle: None, 3]
  expect_values(s, {None, 3});
  s = parse_sce(income(), R"({"reasoning": "older", "age": 45, "education": "Kindergarten"})");  // [oracle: None, None]
  EXPECT_EQ(to_string(s.status), "missing_key");
  EXPECT_NE(s.detail.find("reasoning"), std::string::npos) << s.detail;
  expect_values(s, {None, None});
  // Another paper dataset's key does not stop the loop.  [oracle]
  EXPECT_TRUE(parse_sce(income(), R"({"age": 45, "sex": "Male", "education": "Kindergarten"})").ok());
  s = parse_sce(income(), R"({"revised": {"age": 45, "education": "Kindergarten"}})");  // [oracle: None, None]
  EXPECT_EQ(to_string(s.status), "missing_key");
  EXPECT_NE(s.detail.find("nested"), std::string::npos) << s.detail;
  // An array: its first object is the JSON candidate anyway; a bare array gives no features.  [oracle]
  EXPECT_TRUE(parse_sce(income(), R"([{"age": 45, "education": "Kindergarten"}])").ok());
  s = parse_sce(income(), R"([45, "Kindergarten"])");
  EXPECT_EQ(to_string(s.status), "not_an_object");
}

TEST(ParseSce, LenientOptions) {
  // sceval extensions: recursive, case-insensitive keys (find_key) and bare level codes.
  SceOptions lenient = SceOptions::lenient();
  SceParse s = parse_sce(income(), R"({"Age": "45", " EDUCATION ": "16"})", lenient);
  EXPECT_TRUE(s.ok()) << s.detail;
  expect_values(s, {45, 16});
  s = parse_sce(income(), R"({"revised": {"age": 45, "education": "Kindergarten"}})", lenient);
  EXPECT_TRUE(s.ok()) << s.detail;
  // The paper's rules still come first: "7" is grade 7 (code 10), not code 7.
  expect_values(parse_sce(income(), R"({"age": 45, "education": "7"})", lenient), {45, 10});
  // Codes that are no level stay unknown.
  EXPECT_EQ(to_string(parse_sce(income(), R"({"age": 45, "education": "99"})", lenient).status), "unknown_level");
  // Heart disease sex by code (2 = Female) only with the extension.
  EXPECT_EQ(
      to_string(parse_sce(heart(), R"({"age": 45, "sex": 2, "systolic_bp": 120, "total_cholesterol": 195})").status),
      "unknown_level");  // [oracle: None]
  s = parse_sce(heart(), R"({"age": 45, "sex": 2, "systolic_bp": 120, "total_cholesterol": 195})", lenient);
  EXPECT_TRUE(s.ok()) << s.detail;
  EXPECT_EQ((*s.record)[1], 0u);  // Female is listed first in the paper's grid
  // find_key's first-value rule holds in the recursive lookup too.
  s = parse_sce(income(), R"({"note": "x", "revised": {"age": 45, "education": "Kindergarten"}})", lenient);
  EXPECT_EQ(to_string(s.status), "missing_key");
}

TEST(ParseSce, HousePricesFloatRule) {
  auto house_area = [](const char* area, const char* bedrooms = "3") {
    return parse_sce(house(), std::string(R"({"area": )") + area + R"(, "bedrooms": )" + bedrooms +
                                  R"(, "bathrooms": "2.0", "floors": 1})");
  };
  SceParse s = house_area(R"("2500")");  // [oracle]
  EXPECT_TRUE(s.ok()) << s.detail;
  expect_values(s, {2500, 3, 2, 1});
  EXPECT_EQ(*s.record, (grid::Record{4, 2, 1, 0}));
  expect_values(house_area(R"(" 2500 ")"), {2500, 3, 2, 1});  // float() strips  [oracle]
  expect_values(house_area(R"("2_500")"), {2500, 3, 2, 1});   // float() takes '_'  [oracle]
  expect_values(house_area(R"("2.5e3")"), {2500, 3, 2, 1});   // [oracle]
  s = house_area(R"("2,500")");                               // [oracle: None]
  EXPECT_EQ(to_string(s.status), "non_numeric");
  expect_values(s, {None, 3, 2, 1});
  s = house_area(R"("2500.5")");  // [oracle: 2500.5]
  EXPECT_EQ(to_string(s.status), "off_grid");
  expect_values(s, {2500.5, 3, 2, 1});
  s = house_area("2600");  // not a multiple of the step  [oracle: 2600.0]
  EXPECT_EQ(to_string(s.status), "off_grid");
  EXPECT_NE(s.detail.find("500..10000 step 500"), std::string::npos) << s.detail;
  EXPECT_EQ(to_string(house_area("2500", R"("3 bedrooms")").status), "non_numeric");  // [oracle: None]
  expect_values(house_area("2500", "true"), {2500, 1, 2, 1});                         // float(True) == 1.0  [oracle]
  EXPECT_EQ(to_string(house_area("2500", "[3]").status), "non_numeric");       // the paper raises TypeError  [oracle]
  EXPECT_EQ(to_string(house_area("2500", R"("inf")").status), "non_numeric");  // float("inf"): no grid cell  [oracle]
}

TEST(ParseSce, HeartDisease) {
  auto heart_reply = [](const char* age, const char* sex, const char* chol = "195") {
    return parse_sce(heart(), std::string(R"({"age": )") + age + R"(, "sex": )" + sex +
                                  R"(, "systolic_bp": "120", "total_cholesterol": )" + chol + "}");
  };
  SceParse s = heart_reply(R"("45")", R"("Male")");  // [oracle]
  EXPECT_TRUE(s.ok()) << s.detail;
  expect_values(s, {45, 1, 120, 195});
  EXPECT_EQ(*s.record, (grid::Record{3, 1, 1, 3}));
  expect_values(heart_reply(R"("45.0")", R"("Female")"), {45, 2, 120, 195});              // 45.0 matches 45  [oracle]
  expect_values(heart_reply("45", R"("male ")"), {45, 1, 120, 195});                      // _normalize  [oracle]
  EXPECT_EQ(to_string(heart_reply("45", R"("M")").status), "unknown_level");              // [oracle: None]
  EXPECT_EQ(to_string(heart_reply("45", R"("1")").status), "unknown_level");              // [oracle: None]
  EXPECT_EQ(to_string(heart_reply(R"("45 years")", R"("Male")").status), "non_numeric");  // float()  [oracle: None]
  EXPECT_EQ(to_string(heart_reply(R"("NaN")", R"("Male")").status), "non_numeric");       // [oracle: None]
  s = heart_reply("47", R"("Female")");  // between grid points  [oracle: 47.0]
  EXPECT_EQ(to_string(s.status), "off_grid");
  s = heart_reply("45", R"("Male")", R"("200")");  // [oracle: 200.0]
  EXPECT_EQ(to_string(s.status), "off_grid");
  EXPECT_NE(s.detail.find("total_cholesterol"), std::string::npos) << s.detail;
}

TEST(ParseSce, JsonFailuresAndPriorities) {
  EXPECT_EQ(to_string(parse_sce(income(), "I would change the age.").status), "no_json");
  EXPECT_EQ(to_string(parse_sce(income(), "{\"age\": [1, 2}").status), "malformed_json");
  // A parse problem outranks an off-grid value; the first problem (in feature order) is reported.
  SceParse s = parse_sce(income(), R"({"age": 200, "education": "Bachelor’s degree"})");
  EXPECT_EQ(to_string(s.status), "unknown_level");
  EXPECT_EQ(s.feature_status[0], Status::OffGrid);
  EXPECT_EQ(s.feature_status[1], Status::UnknownLevel);
  s = parse_sce(income(), R"({"age": 45})");
  EXPECT_EQ(to_string(s.status), "missing_key");
  EXPECT_NE(s.detail.find("education"), std::string::npos);
  EXPECT_EQ(s.feature_status[0], Status::Ok);
}

TEST(ParseSce, OneJsonReadAgainstSeveralTasks) {
  // One reply's JSON, read once, then interpreted by two tasks and both option sets.
  const JsonParse jp = parse_json_from_text(R"(Sure: {"revised": {"age": "45", "education": "Kindergarten"}})");
  ASSERT_TRUE(jp.ok());
  SceParse s = parse_sce(income(), jp);
  EXPECT_EQ(to_string(s.status), "missing_key");  // the paper reads top-level keys only
  s = parse_sce(income(), jp, SceOptions::lenient());
  EXPECT_EQ(to_string(s.status), "ok") << s.detail;
  expect_values(s, {45, 3});
  EXPECT_EQ(s.raw, *jp.value);
  s = parse_sce(heart(), jp, SceOptions::lenient());
  EXPECT_EQ(to_string(s.status), "missing_key");
  EXPECT_NE(s.detail.find("sex"), std::string::npos) << s.detail;
  EXPECT_EQ(s.feature_status[0], Status::Ok);  // heart's age is read from the same JSON
  // A failed read keeps its kind and the reader's detail.
  const JsonParse bad = parse_json_from_text("{\"age\": [1, 2}");
  s = parse_sce(house(), bad);
  EXPECT_EQ(to_string(s.status), "malformed_json");
  EXPECT_EQ(s.detail, bad.detail);
  EXPECT_EQ(to_string(parse_sce(income(), parse_json_from_text("none")).status), "no_json");
}

TEST(ParseSce, FeatureValuesDirectly) {
  const auto& age = income().features[0];
  EXPECT_EQ(parse_feature_value(age, J("\"50\"")).position, 33u);
  const auto& area = house().features[0];
  EXPECT_EQ(to_string(parse_feature_value(area, J("1e300")).status), "off_grid");
  EXPECT_EQ(to_string(parse_feature_value(area, J("-9.3e18")).status), "off_grid");
  EXPECT_EQ(to_string(parse_feature_value(area, J("9223372036854775807")).status), "off_grid");
  EXPECT_EQ(to_string(parse_feature_value(area, J("-9223372036854775807")).status), "off_grid");
  EXPECT_EQ(to_string(parse_feature_value(area, J("{}")).status), "non_numeric");
  EXPECT_EQ(to_string(parse_feature_value(area, J("null")).status), "non_numeric");
}

}  // namespace
}  // namespace sceval::parse
