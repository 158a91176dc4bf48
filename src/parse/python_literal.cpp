// ast.literal_eval of the literal subset, evaluated as literal_eval's _convert does, then
// json.loads(json.dumps(...)).
#include "parse/python.h"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <unordered_map>
#include <utility>
#include <vector>

#include "parse/python_internal.h"
#include "parse/python_lexer.h"
#include "parse/python_value.h"
#include "parse/unicode.h"

namespace sceval::parse::py {
using namespace detail;

namespace {

// ast.parse(mode='eval') of the literal subset, evaluated as literal_eval's _convert does.
class LiteralParser {
 public:
  explicit LiteralParser(std::u32string_view src) : lex_(src) { advance(); }

  PyValue parse() {
    Node first = expr();
    PyValue result;
    if (is_op(U',')) {  // a bare tuple
      result.type = PyType::Tuple;
      result.items.push_back(std::move(first.v));
      while (is_op(U',')) {
        advance();
        if (tok_.kind == Token::Newline || tok_.kind == Token::End) break;
        result.items.push_back(expr().v);
      }
    } else {
      result = std::move(first.v);
    }
    while (tok_.kind == Token::Newline) advance();
    if (tok_.kind != Token::End) literal_fail("invalid syntax");
    return result;
  }

 private:
  // The AST node kind, as far as literal_eval cares (parentheses leave no node).
  enum class NodeKind { NumConst, UnaryOp, BinOp, Other };
  struct Node {
    PyValue v;
    NodeKind kind = NodeKind::Other;
  };

  void advance() { tok_ = lex_.next(); }
  bool is_op(char32_t c) const { return tok_.kind == Token::Op && tok_.op == c; }
  void expect(char32_t c) {
    if (!is_op(c)) literal_fail("invalid syntax");
    advance();
  }
  // What may follow a complete literal expression; anything else makes it a non-literal
  // (operator, call, subscript, attribute, comparison, conditional...) or a syntax error.
  void check_end_of_expr() {
    if (tok_.kind == Token::Newline || tok_.kind == Token::End) return;
    if (tok_.kind == Token::Op &&
        (tok_.op == U',' || tok_.op == U':' || tok_.op == U')' || tok_.op == U']' || tok_.op == U'}'))
      return;
    literal_fail("not a literal");
  }

  static bool real(const PyValue& v) { return v.type == PyType::Int || v.type == PyType::Float; }
  static double as_double(const PyValue& v) { return v.num.get<double>(); }

  // expr: [+-] atom, or a signed real number +/- an imaginary constant (literal_eval's BinOp rule).
  Node expr() {
    Node left = unary();
    if (is_op(U'+') || is_op(U'-')) {
      bool sub = tok_.op == U'-';
      advance();
      if (is_op(U'+') || is_op(U'-') || is_op(U'~')) literal_fail("not a literal");
      Node right = atom();
      bool left_ok = (left.kind == NodeKind::NumConst || left.kind == NodeKind::UnaryOp) && real(left.v);
      if (!left_ok || right.kind != NodeKind::NumConst || right.v.type != PyType::Complex)
        literal_fail("not a literal");
      Node out;
      out.kind = NodeKind::BinOp;
      out.v.type = PyType::Complex;
      out.v.re = sub ? as_double(left.v) - right.v.re : as_double(left.v) + right.v.re;
      out.v.im = sub ? -right.v.im : right.v.im;
      left = std::move(out);
    }
    check_end_of_expr();
    return left;
  }

  Node unary() {
    if (!is_op(U'+') && !is_op(U'-')) return atom();
    bool neg = tok_.op == U'-';
    advance();
    if (is_op(U'+') || is_op(U'-') || is_op(U'~')) literal_fail("nested unary operator");
    Node operand = atom();
    if (operand.kind != NodeKind::NumConst) literal_fail("unary operator on a non-number");
    Node out;
    out.kind = NodeKind::UnaryOp;
    out.v = std::move(operand.v);
    if (neg) negate(out.v);
    return out;
  }

  static void negate(PyValue& v) {
    if (v.type == PyType::Complex) {
      v.re = -v.re;
      v.im = -v.im;
    } else if (v.num.is_number_float()) {
      v.num = -v.num.get<double>();
    } else if (v.num.is_number_unsigned()) {
      std::uint64_t u = v.num.get<std::uint64_t>();
      if (u <= (std::uint64_t{1} << 63))
        v.num = static_cast<std::int64_t>(0 - u);
      else
        v.num = -static_cast<double>(u);
    } else {
      std::int64_t i = v.num.get<std::int64_t>();
      if (i == std::numeric_limits<std::int64_t>::min())
        v.num = std::uint64_t{1} << 63;
      else
        v.num = -i;
    }
  }

  Node atom() {
    Node n;
    switch (tok_.kind) {
      case Token::Num:
        n.v = std::move(tok_.num);
        n.kind = NodeKind::NumConst;
        advance();
        return n;
      case Token::Str: {
        bool bytes = tok_.bytes;
        std::u32string s = std::move(tok_.text);
        advance();
        while (tok_.kind == Token::Str) {  // implicit concatenation
          if (tok_.bytes != bytes) literal_fail("cannot mix bytes and nonbytes literals");
          s += tok_.text;
          advance();
        }
        n.v.type = bytes ? PyType::Bytes : PyType::Str;
        n.v.str = std::move(s);
        return n;
      }
      case Token::Ellipsis:
        n.v.type = PyType::Ellipsis;
        advance();
        return n;
      case Token::Name:
        if (tok_.text == U"True" || tok_.text == U"False") {
          n.v.type = PyType::Bool;
          n.v.b = tok_.text == U"True";
        } else if (tok_.text == U"None") {
          n.v.type = PyType::None;
        } else if (tok_.text == U"set") {  // set() with no arguments
          advance();
          expect(U'(');
          if (!is_op(U')')) literal_fail("set() with arguments");
          n.v.type = PyType::Set;
        } else {
          literal_fail("name is not a literal");
        }
        advance();
        return n;
      case Token::Op:
        if (tok_.op == U'(') return parens();
        if (tok_.op == U'[') return list();
        if (tok_.op == U'{') return braces();
        literal_fail("invalid syntax");
      default:
        literal_fail("invalid syntax");
    }
  }

  Node parens() {
    advance();
    Node n;
    n.v.type = PyType::Tuple;
    if (is_op(U')')) {  // ()
      advance();
      return n;
    }
    Node first = expr();
    if (is_op(U')')) {  // (x) is x
      advance();
      return first;
    }
    if (!is_op(U',')) literal_fail("invalid syntax");
    n.v.items.push_back(std::move(first.v));
    while (is_op(U',')) {
      advance();
      if (is_op(U')')) break;
      n.v.items.push_back(expr().v);
    }
    expect(U')');
    return n;
  }

  Node list() {
    advance();
    Node n;
    n.v.type = PyType::List;
    while (!is_op(U']')) {
      n.v.items.push_back(expr().v);
      if (is_op(U']')) break;
      expect(U',');
    }
    advance();
    return n;
  }

  Node braces() {
    advance();
    Node n;
    n.v.type = PyType::Dict;
    if (is_op(U'}')) {
      advance();
      return n;
    }
    Node first = expr();
    if (!is_op(U':')) {  // a set display
      n.v.type = PyType::Set;
      if (!hashable(first.v)) literal_fail("unhashable set element");
      while (is_op(U',')) {
        advance();
        if (is_op(U'}')) break;
        if (!hashable(expr().v)) literal_fail("unhashable set element");
      }
      expect(U'}');
      return n;
    }
    std::unordered_map<std::u32string, std::size_t> str_keys;  // str keys equal only str keys
    std::vector<std::size_t> other_keys;
    Node key = std::move(first);
    while (true) {
      expect(U':');
      Node value = expr();
      if (!hashable(key.v)) literal_fail("unhashable dict key");
      // dict(): equal keys keep the first key and its position, and take the last value.
      std::optional<std::size_t> at;
      if (key.v.type == PyType::Str) {
        if (auto it = str_keys.find(key.v.str); it != str_keys.end()) at = it->second;
      } else {
        for (std::size_t i : other_keys)
          if (py_equal(n.v.entries[2 * i], key.v)) {
            at = i;
            break;
          }
      }
      if (at) {
        n.v.entries[2 * *at + 1] = std::move(value.v);
      } else {
        std::size_t index = n.v.entries.size() / 2;
        if (key.v.type == PyType::Str)
          str_keys.emplace(key.v.str, index);
        else
          other_keys.push_back(index);
        n.v.entries.push_back(std::move(key.v));
        n.v.entries.push_back(std::move(value.v));
      }
      if (is_op(U'}')) break;
      expect(U',');
      if (is_op(U'}')) break;
      key = expr();
    }
    advance();
    return n;
  }

  Lexer lex_;
  Token tok_;
};

}  // namespace

std::optional<Json> literal_eval_json(std::u32string_view s, std::string* error) {
  // literal_eval strips leading spaces and tabs before parsing.
  std::size_t b = 0;
  while (b < s.size() && (s[b] == U' ' || s[b] == U'\t')) ++b;
  try {
    LiteralParser p(s.substr(b));
    return to_json(p.parse());
  } catch (const LiteralFail& f) {
    if (error) *error = f.message;
    return std::nullopt;
  }
}

}  // namespace sceval::parse::py
