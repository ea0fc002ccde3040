//! Discount amounts and the compensation ledger: entries are only ever added, never edited;
//! a mistake is undone by a reversal entry with a reason.

use std::collections::{BTreeMap, BTreeSet};

use crate::compliance::Month;

use super::escalation::Discount;

/// `percent`% of a monthly fee in euro cents, rounded half to even; `None` above 100%.
pub fn discount_cents(percent: u32, fee_cents: u64) -> Option<u64> {
    if percent > 100 {
        return None;
    }
    let exact = u128::from(percent) * u128::from(fee_cents);
    let (quotient, remainder) = (exact / 100, exact % 100);
    let round_up = remainder > 50 || (remainder == 50 && quotient % 2 == 1);
    let cents = quotient + u128::from(round_up);
    // At most 100% of a u64 fee, so it fits.
    u64::try_from(cents).ok()
}

/// A discount on one monthly invoice, as booked.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DiscountEntry {
    /// The entry's identity in its ledger, given by whoever keeps the ledger.
    pub id: u64,
    /// The monthly subscription invoice the discount is on.
    pub invoice_month: Month,
    /// The discount in whole percent.
    pub percent: u32,
    /// The monthly subscription fee in force for that invoice month, in euro cents.
    pub fee_cents: u64,
    /// The discount in euro cents: `percent` of the fee, rounded half to even.
    pub amount_cents: u64,
    /// The overrun month the discount rests on.
    pub overrun_month: Month,
    /// The hash of the published report that shows the overrun, when there is one.
    pub report_hash: Option<String>,
}

impl DiscountEntry {
    /// The entry for a discount the escalation gave, on the fee in force for its invoice month.
    pub fn new(
        id: u64,
        discount: &Discount,
        fee_cents: u64,
        report_hash: Option<String>,
    ) -> Option<DiscountEntry> {
        Some(DiscountEntry {
            id,
            invoice_month: discount.invoice_month,
            percent: discount.percent,
            fee_cents,
            amount_cents: discount_cents(discount.percent, fee_cents)?,
            overrun_month: discount.rests_on,
            report_hash,
        })
    }
}

/// The undoing of an earlier discount entry.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ReversalEntry {
    /// The entry's identity in its ledger.
    pub id: u64,
    /// The discount entry it undoes.
    pub reverses: u64,
    /// Why the discount was wrong.
    pub reason: String,
}

/// One line of a compensation ledger.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum LedgerEntry {
    /// A discount on an invoice.
    Discount(DiscountEntry),
    /// The reversal of an earlier discount.
    Reversal(ReversalEntry),
}

impl LedgerEntry {
    /// The entry's identity in its ledger.
    pub fn id(&self) -> u64 {
        match self {
            LedgerEntry::Discount(d) => d.id,
            LedgerEntry::Reversal(r) => r.id,
        }
    }
}

/// What a ledger adds up to.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LedgerSum {
    /// All discounts still standing, in euro cents.
    pub total_cents: u64,
    /// The discount standing on each invoice month, in euro cents (months whose discounts were
    /// all reversed are left out).
    pub by_invoice_month: BTreeMap<Month, u64>,
    /// The discount entries that stand (not reversed), by id.
    pub standing: BTreeSet<u64>,
}

/// Why a ledger does not add up.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LedgerError {
    /// Two entries share an id.
    #[error("entry {0} appears twice; every ledger entry has its own id")]
    DuplicateId(u64),
    /// A discount states an amount other than its percentage of its fee.
    #[error(
        "entry {id} states {stated} cents, but {percent}% of {fee} cents is {expected} cents (rounded half to even)"
    )]
    WrongAmount {
        /// The entry.
        id: u64,
        /// The amount it states.
        stated: u64,
        /// Its percentage.
        percent: u32,
        /// Its fee.
        fee: u64,
        /// The amount the percentage gives.
        expected: u64,
    },
    /// A discount above 100%.
    #[error("entry {id} gives {percent}%; a discount is at most 100% of the fee")]
    PercentTooHigh {
        /// The entry.
        id: u64,
        /// Its percentage.
        percent: u32,
    },
    /// A reversal refers to no earlier discount entry.
    #[error("reversal {id} undoes entry {reverses}, which is not an earlier discount entry")]
    NothingToReverse {
        /// The reversal.
        id: u64,
        /// The id it refers to.
        reverses: u64,
    },
    /// A discount is reversed a second time.
    #[error("reversal {id} undoes entry {reverses}, which reversal {earlier} already undid")]
    AlreadyReversed {
        /// The second reversal.
        id: u64,
        /// The discount entry.
        reverses: u64,
        /// The first reversal.
        earlier: u64,
    },
    /// A reversal without a reason.
    #[error("reversal {0} gives no reason; a mistake is undone with its reason")]
    NoReason(u64),
    /// The total does not fit in 64 bits of cents.
    #[error("the discounts add up to more than 2^64 - 1 cents")]
    Overflow,
    /// Two standing discounts on one invoice.
    #[error(
        "entries {first} and {second} both discount the invoice of {invoice_month}; reverse the wrong one"
    )]
    TwoDiscountsOnOneInvoice {
        /// The invoice month.
        invoice_month: Month,
        /// The earlier entry.
        first: u64,
        /// The later entry.
        second: u64,
    },
}

/// Adds up a ledger kept in the order its entries were made, checking every entry.
pub fn sum_ledger(entries: &[LedgerEntry]) -> Result<LedgerSum, LedgerError> {
    let mut ids = BTreeSet::new();
    // Discount entries by id, with their position and the reversal that undid them.
    let mut discounts: BTreeMap<u64, (usize, &DiscountEntry, Option<u64>)> = BTreeMap::new();
    for (position, entry) in entries.iter().enumerate() {
        if !ids.insert(entry.id()) {
            return Err(LedgerError::DuplicateId(entry.id()));
        }
        match entry {
            LedgerEntry::Discount(d) => {
                let expected =
                    discount_cents(d.percent, d.fee_cents).ok_or(LedgerError::PercentTooHigh {
                        id: d.id,
                        percent: d.percent,
                    })?;
                if expected != d.amount_cents {
                    return Err(LedgerError::WrongAmount {
                        id: d.id,
                        stated: d.amount_cents,
                        percent: d.percent,
                        fee: d.fee_cents,
                        expected,
                    });
                }
                discounts.insert(d.id, (position, d, None));
            }
            LedgerEntry::Reversal(r) => {
                if r.reason.trim().is_empty() {
                    return Err(LedgerError::NoReason(r.id));
                }
                let Some((_, _, undone)) = discounts.get_mut(&r.reverses) else {
                    return Err(LedgerError::NothingToReverse {
                        id: r.id,
                        reverses: r.reverses,
                    });
                };
                if let Some(earlier) = *undone {
                    return Err(LedgerError::AlreadyReversed {
                        id: r.id,
                        reverses: r.reverses,
                        earlier,
                    });
                }
                *undone = Some(r.id);
            }
        }
    }
    let mut sum = LedgerSum::default();
    let mut on_invoice: BTreeMap<Month, u64> = BTreeMap::new();
    // In entry order, so an error names the earlier entry first.
    let mut standing: Vec<(usize, &DiscountEntry)> = discounts
        .values()
        .filter(|(_, _, undone)| undone.is_none())
        .map(|(position, d, _)| (*position, *d))
        .collect();
    standing.sort_by_key(|(position, _)| *position);
    for (_, d) in standing {
        if let Some(&first) = on_invoice.get(&d.invoice_month) {
            return Err(LedgerError::TwoDiscountsOnOneInvoice {
                invoice_month: d.invoice_month,
                first,
                second: d.id,
            });
        }
        on_invoice.insert(d.invoice_month, d.id);
        sum.total_cents = sum
            .total_cents
            .checked_add(d.amount_cents)
            .ok_or(LedgerError::Overflow)?;
        sum.by_invoice_month.insert(d.invoice_month, d.amount_cents);
        sum.standing.insert(d.id);
    }
    Ok(sum)
}
