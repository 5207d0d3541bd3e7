package ui

import (
	"fmt"
	"strings"
)

// tr translates UI strings. The English text is the key; other languages
// look it up in their table and fall back to English, so a missing
// translation shows English rather than nothing. Each Model builds its own
// table (no package-level state).
type tr struct {
	lang  string
	table map[string]string
}

func newTr(lang string) tr {
	lang = strings.ToLower(strings.TrimSpace(lang))
	if strings.HasPrefix(lang, "ja") {
		return tr{lang: "ja", table: jaMessages()}
	}
	return tr{lang: "en"}
}

// S returns s in the model's language.
func (t tr) S(s string) string {
	if v, ok := t.table[s]; ok {
		return v
	}
	return s
}

// F formats the translated format string.
func (t tr) F(format string, args ...any) string { return fmt.Sprintf(t.S(format), args...) }

// jaMessages is the Japanese table. Strings from flows (outcome messages,
// validation errors) stay English: they are KOMOJU's and flows' words.
func jaMessages() map[string]string {
	return map[string]string{
		"Amount":                               "金額",
		"Order number":                         "注文番号",
		"Email":                                "メール",
		"Customer name":                        "お客様名",
		"Description":                          "説明",
		"Tax":                                  "税額",
		"Type the amount on the keypad":        "テンキーで金額を入力",
		"Payment method":                       "支払い方法",
		"Method 1: session":                    "方式1: セッション",
		"Method 2: direct":                     "方式2: 直接決済",
		"capture auto":                         "自動売上",
		"capture manual":                       "手動売上 (仮売上)",
		"Customer pays on their phone":         "お客様のスマホで支払う",
		"offsite":                              "外部",
		"async":                                "後払い",
		"Details":                              "入力",
		"Processing":                           "処理中",
		"Creating session":                     "セッション作成",
		"Paying":                               "支払い",
		"Creating payment":                     "決済作成",
		"Result":                               "結果",
		"PAID":                                 "支払い完了",
		"Payment":                              "決済",
		"History":                              "履歴",
		"quit":                                 "終了",
		"help":                                 "ヘルプ",
		"back":                                 "戻る",
		"continue":                             "次へ",
		"new sale":                             "新規売上",
		"history":                              "履歴",
		"clear":                                "クリア",
		"delete digit":                         "1桁削除",
		"next field":                           "次の項目",
		"toggle method 1/2":                    "方式切替",
		"toggle capture":                       "売上方式切替",
		"select":                               "選択",
		"test data":                            "テストデータ",
		"cancel":                               "取消",
		"capture":                              "売上確定",
		"refund":                               "返金",
		"refresh":                              "更新",
		"details":                              "詳細",
		"save receipt":                         "レシート保存",
		"print":                                "印刷",
		"try again":                            "再試行",
		"open link":                            "リンクを開く",
		"yes":                                  "はい",
		"no":                                   "いいえ",
		"Scan to pay":                          "スキャンして支払い",
		"Scan for instructions":                "スキャンして支払い方法を表示",
		"Store":                                "コンビニ",
		"Deadline":                             "支払期限",
		"Receipt number":                       "受付番号",
		"Confirmation code":                    "確認番号",
		"Instructions":                         "支払い方法",
		"Status":                               "状態",
		"Method":                               "方法",
		"Payment id":                           "決済ID",
		"Session":                              "セッション",
		"Total":                                "合計",
		"Refunded":                             "返金済み",
		"Refundable":                           "返金可能",
		"Refunds":                              "返金",
		"Timeline":                             "履歴",
		"Actions":                              "操作",
		"Quit while a payment is in progress?": "決済処理中です。終了しますか?",
		"Amount must be greater than zero":     "金額は0より大きくしてください",
		"Waiting for the customer":             "お客様の操作を待っています",
		"Sales today":                          "本日の売上",
		"Time":                                 "時刻",
		"Order":                                "注文",
		"Filter":                               "絞り込み",
		"all":                                  "すべて",
		"export CSV":                           "CSV出力",
		"filter":                               "絞り込み",
		"Type the amount again to confirm (LIVE)":     "確認のため金額を再入力してください (本番)",
		"The amounts do not match. Nothing was sent.": "金額が一致しません。送信していません。",
	}
}
