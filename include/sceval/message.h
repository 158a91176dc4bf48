#pragma once
// Chat messages, as sent to a model.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace sceval {

struct Message {
  std::string role;  // system | user | assistant
  std::string content;
  bool operator==(const Message&) const = default;
};
using Conversation = std::vector<Message>;

// Keys in the order chat APIs document them: role, then content.
inline nlohmann::ordered_json to_json(const Conversation& c) {
  nlohmann::ordered_json a = nlohmann::ordered_json::array();
  for (const auto& m : c) a.push_back({{"role", m.role}, {"content", m.content}});
  return a;
}

}  // namespace sceval
