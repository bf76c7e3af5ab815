// The PostgreSQL driver, built as the module libwarroom_pg.so (see postgres_module.hpp).
#include <pqxx/pqxx>

#include <type_traits>

#include "bot/store/postgres_module.hpp"
#include "bot/store/sql_connection.hpp"

namespace warroom::store {

namespace {

// libpq waits for the OS TCP timeout (minutes) by default; a bad host should fail startup fast.
std::string with_connect_timeout(const std::string& url) {
    if (url.find("connect_timeout=") != std::string::npos)
        return url;
    return url + (url.find('?') == std::string::npos ? "?" : "&") + "connect_timeout=10";
}

class postgres_connection final : public sql_connection {
  public:
    explicit postgres_connection(const std::string& url)
        : url_(url), conn_(with_connect_timeout(url)) {
        // CREATE ... IF NOT EXISTS and friends print NOTICEs to stderr otherwise.
        pqxx::nontransaction nt(conn_);
        nt.exec("SET client_min_messages = warning");
    }

    sql_dialect dialect() const override { return sql_dialect::postgres; }

    void begin() override {
        guarded([&] { tx_ = std::make_unique<pqxx::work>(conn_); });
    }

    void commit() override {
        guarded([&] {
            tx_->commit();
            tx_.reset();
        });
    }

    void rollback() noexcept override {
        if (!tx_)
            return;
        try {
            tx_->abort();
        } catch (...) {
            broken_ = true;
        }
        tx_.reset();
    }

    bool in_transaction() const override { return tx_ != nullptr; }

    bool broken() const override { return broken_ || !conn_.is_open(); }

    sql_result exec(const std::string& sql, const sql_params& params) override {
        std::vector<const char*> values;
        values.reserve(params.size());
        for (const auto& p : params)
            values.push_back(p ? p->c_str() : nullptr);
        const auto bound = pqxx::prepare::make_dynamic_params(values);

        sql_result out;
        guarded([&] {
            pqxx::result r;
            if (tx_) {
                r = tx_->exec_params(sql, bound);
            } else {
                pqxx::nontransaction nt(conn_);
                r = nt.exec_params(sql, bound);
            }
            out.affected = static_cast<std::int64_t>(r.affected_rows());
            out.rows.reserve(r.size());
            for (const auto& row : r) {
                sql_row values_out;
                values_out.reserve(row.size());
                for (const auto& field : row) {
                    if (field.is_null()) {
                        values_out.emplace_back(std::nullopt);
                    } else {
                        values_out.emplace_back(std::string(field.c_str(), field.size()));
                    }
                }
                out.rows.push_back(std::move(values_out));
            }
        });
        return out;
    }

    void exec_script(const std::string& sql) override {
        guarded([&] {
            if (tx_) {
                tx_->exec(sql);
            } else {
                pqxx::nontransaction nt(conn_);
                nt.exec(sql);
            }
        });
    }

  private:
    // Translates libpqxx exceptions into sql_error, so the store decides about retries alone.
    template <class F>
    void guarded(F&& f) {
        try {
            f();
        } catch (const pqxx::broken_connection& e) {
            broken_ = true;
            throw sql_error(sql_error::kind::broken, "PostgreSQL connection lost: " + clean(e));
        } catch (const pqxx::in_doubt_error& e) {
            broken_ = true;
            throw sql_error(sql_error::kind::other,
                            "PostgreSQL commit outcome unknown: " + clean(e));
        } catch (const pqxx::transaction_rollback& e) {
            // serialization_failure, deadlock_detected, ...: the server rolled back; a retry may
            // succeed.
            throw sql_error(sql_error::kind::transient, "PostgreSQL: " + clean(e));
        } catch (const pqxx::sql_error& e) {
            throw sql_error(sql_error::kind::other, "PostgreSQL: " + clean(e));
        } catch (const pqxx::usage_error& e) {
            throw sql_error(sql_error::kind::other, "PostgreSQL usage error: " + clean(e));
        } catch (const pqxx::failure& e) {
            if (!conn_.is_open())
                broken_ = true;
            throw sql_error(broken_ ? sql_error::kind::broken : sql_error::kind::other,
                            "PostgreSQL: " + clean(e));
        }
    }

    std::string clean(const std::exception& e) const { return scrub_message(e.what(), url_); }

    std::string url_;
    pqxx::connection conn_;
    std::unique_ptr<pqxx::work> tx_;
    bool broken_ = false;
};

}  // namespace

}  // namespace warroom::store

static_assert(std::is_same_v<decltype(&warroom_pg_connect), warroom::store::pg_module_factory>);

extern "C" __attribute__((visibility("default"))) warroom::store::sql_connection*
warroom_pg_connect(const std::string& url) {
    using namespace warroom::store;
    try {
        return new postgres_connection(url);
    } catch (const std::exception& e) {
        throw sql_error(sql_error::kind::broken, "cannot connect to PostgreSQL at " +
                                                     redact_url(url) + ": " +
                                                     scrub_message(e.what(), url));
    }
}
