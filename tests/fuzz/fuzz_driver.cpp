// A small stand-in for libFuzzer where there is none (g++): replays the files given on the
// command line, or runs a deterministic mutation loop over the seed corpus for a bounded number
// of iterations and seconds. No coverage feedback, so it finds crashes on shallow paths only;
// the clang libFuzzer build (WARROOM_FUZZ=ON) is the deep one.
//
//   fuzz_slack [--iterations N] [--seconds S] [--seed N] [--corpus DIR] [FILE...]

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define WARROOM_FUZZ_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(WARROOM_FUZZ_ASAN)
#include <sanitizer/common_interface_defs.h>
#define WARROOM_FUZZ_DEATH_CALLBACK 1
#endif

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

constexpr std::size_t max_input_bytes = 16 * 1024;
constexpr std::size_t max_pool_size = 512;

// The input being run, written out if it crashes the process through std::terminate.
std::string current_input;

void save_crash() {
    const char* path = "fuzz_slack-crash.bin";
    if (std::FILE* f = std::fopen(path, "wb")) {
        std::fwrite(current_input.data(), 1, current_input.size(), f);
        std::fclose(f);
        std::fprintf(stderr, "fuzz_slack: crashing input (%zu bytes) saved to %s\n",
                     current_input.size(), path);
    }
}

void run(const std::string& input) {
    current_input = input;
    LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(input.data()), input.size());
}

std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// Fragments that steer mutations towards the interesting parts of the grammars.
const std::vector<std::string>& dictionary() {
    static const std::vector<std::string> words{"{",
                                                "}",
                                                "[",
                                                "]",
                                                "\"",
                                                "\\",
                                                "\\u0000",
                                                "\\ud800",
                                                ":",
                                                ",",
                                                "null",
                                                "true",
                                                "0",
                                                "-1",
                                                "1e999",
                                                "%",
                                                "%2",
                                                "%zz",
                                                "%00",
                                                "%FF",
                                                "+",
                                                "&",
                                                "=",
                                                "payload=",
                                                "ssl_check=1",
                                                "\"type\":",
                                                "\"block_actions\"",
                                                "\"view_submission\"",
                                                "\"event_callback\"",
                                                "\"events_api\"",
                                                "\"slash_commands\"",
                                                "\"interactive\"",
                                                "\"envelope_id\":\"e\"",
                                                "\"event_id\":\"Ev1\"",
                                                "\"actions\":[]",
                                                "\"view\":{}",
                                                "\"user\":{\"id\":\"U1\"}",
                                                "\"selected_option\":null",
                                                "<@U123>",
                                                "<#C1|x>",
                                                "<!subteam^S1|@sre>",
                                                "<!here>",
                                                "&amp;",
                                                "&lt;",
                                                "&gt;",
                                                "--",
                                                "—",
                                                "\u201c",
                                                "\u201d",
                                                "'",
                                                "=",
                                                "\xc3",
                                                "\xff",
                                                "\xf0\x9f\x98\x80",
                                                "v0=",
                                                "\n",
                                                "1531420618",
                                                "SEV2",
                                                "INC-20240115-0042"};
    return words;
}

class mutator {
  public:
    explicit mutator(std::uint64_t seed) : rng_(seed) {}

    std::size_t below(std::size_t n) {
        return n == 0 ? 0 : std::uniform_int_distribution<std::size_t>(0, n - 1)(rng_);
    }

    std::string mutate(std::string s, const std::vector<std::string>& pool) {
        const std::size_t rounds = 1 + below(4);
        for (std::size_t r = 0; r < rounds; ++r) {
            switch (below(8)) {
                case 0:  // flip one bit
                    if (!s.empty())
                        s[below(s.size())] ^= static_cast<char>(1u << below(8));
                    break;
                case 1:  // overwrite a byte
                    if (!s.empty())
                        s[below(s.size())] = static_cast<char>(below(256));
                    break;
                case 2:  // insert random bytes
                    s.insert(below(s.size() + 1),
                             std::string(1 + below(4), static_cast<char>(below(256))));
                    break;
                case 3: {  // delete a range
                    if (s.empty())
                        break;
                    const std::size_t at = below(s.size());
                    s.erase(at, 1 + below(std::min<std::size_t>(16, s.size() - at)));
                    break;
                }
                case 4: {  // duplicate a range
                    if (s.empty())
                        break;
                    const std::size_t at = below(s.size());
                    const std::string piece = s.substr(at, 1 + below(32));
                    s.insert(below(s.size() + 1), piece);
                    break;
                }
                case 5: {  // splice: this input's head with another input's tail
                    const std::string& other = pool[below(pool.size())];
                    s = s.substr(0, below(s.size() + 1)) + other.substr(below(other.size() + 1));
                    break;
                }
                default: {  // insert a dictionary word
                    const auto& words = dictionary();
                    s.insert(below(s.size() + 1), words[below(words.size())]);
                    break;
                }
            }
        }
        if (s.size() > max_input_bytes)
            s.resize(max_input_bytes);
        return s;
    }

  private:
    std::mt19937_64 rng_;
};

std::vector<std::string> load_corpus(const std::filesystem::path& dir) {
    std::vector<std::string> corpus;
    std::error_code ec;
    std::vector<std::filesystem::path> files;
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
        if (entry.is_regular_file())
            files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());  // deterministic order, whatever the filesystem
    for (const auto& f : files)
        corpus.push_back(read_file(f));
    // Verifier-shaped seed ("timestamp\nsignature\nbody") and command lines for the tokenizer.
    corpus.push_back(
        "1531420618\nv0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503\n" +
        (corpus.empty() ? std::string("token=x") : corpus.front()));
    corpus.push_back(
        "create SEV2 \"API error rate spike\" --private --commander <@U024BE7LH|alice>");
    corpus.push_back("action add 'rotate keys' --owner @bob --due 2024-02-01 --priority=P1");
    corpus.push_back("diag db-connections host=db1 <!subteam^S1|@sre> <https://x.y|link>");
    corpus.push_back("");
    return corpus;
}

int usage() {
    std::cerr << "usage: fuzz_slack [--iterations N] [--seconds S] [--seed N] [--corpus DIR] "
                 "[FILE...]\n";
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    std::uint64_t iterations = 200000;
    double seconds = 20;
    std::uint64_t seed = 0x5eed;
    std::filesystem::path corpus_dir = std::string(WARROOM_SOURCE_DIR) + "/tests/data/slack";
    std::vector<std::string> files;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        const bool has_value = i + 1 < argc;
        try {
            if (arg == "--iterations" && has_value) {
                iterations = std::stoull(argv[++i]);
            } else if (arg == "--seconds" && has_value) {
                seconds = std::stod(argv[++i]);
            } else if (arg == "--seed" && has_value) {
                seed = std::stoull(argv[++i]);
            } else if (arg == "--corpus" && has_value) {
                corpus_dir = argv[++i];
            } else if (arg.starts_with("-")) {
                return usage();
            } else {
                files.emplace_back(arg);
            }
        } catch (const std::exception&) {
            return usage();
        }
    }

    std::set_terminate([] {
        save_crash();
        std::abort();
    });
#ifdef WARROOM_FUZZ_DEATH_CALLBACK
    // ASan and UBSan reports end the process without std::terminate; save the input there too.
    __sanitizer_set_death_callback(save_crash);
#endif

    if (!files.empty()) {
        for (const auto& f : files) {
            std::cout << "replay " << f << "\n";
            run(read_file(f));
        }
        return 0;
    }

    std::vector<std::string> pool = load_corpus(corpus_dir);
    const std::size_t seeds = pool.size();
    for (const auto& s : pool)
        run(s);

    mutator m(seed);
    const auto start = std::chrono::steady_clock::now();
    const auto deadline = start + std::chrono::duration<double>(seconds);
    std::uint64_t done = 0;
    for (; done < iterations; ++done) {
        // Checking the clock every 256 runs keeps its cost out of the loop.
        if (done % 256 == 0 && std::chrono::steady_clock::now() >= deadline)
            break;
        std::string input = m.mutate(pool[m.below(pool.size())], pool);
        run(input);
        // Keep some mutants so later rounds mutate further from the seeds; seeds stay.
        if (m.below(8) == 0) {
            if (pool.size() < max_pool_size) {
                pool.push_back(std::move(input));
            } else {
                pool[seeds + m.below(max_pool_size - seeds)] = std::move(input);
            }
        }
    }
    const double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::cout << "fuzz_slack: " << done << " runs over " << seeds << " seeds in " << elapsed
              << " s (seed " << seed << "), no crash\n";
    return 0;
}
