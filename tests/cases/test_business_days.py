from datetime import date, timedelta

from django.test import SimpleTestCase

from cases.business_days import add_business_days, business_days_between

THANKSGIVING_2025 = date(2025, 11, 27)  # Thursday
CHRISTMAS_2025 = date(2025, 12, 25)  # Thursday
NEW_YEAR_2026 = date(2026, 1, 1)  # Thursday
HOLIDAYS = [THANKSGIVING_2025, CHRISTMAS_2025, NEW_YEAR_2026]


class BusinessDaysTestCase(SimpleTestCase):
    def test_it_skips_the_weekend(self):
        friday = date(2026, 3, 6)
        self.assertEqual(add_business_days(friday, 1), date(2026, 3, 9))  # Monday
        self.assertEqual(add_business_days(date(2026, 3, 7), 1), date(2026, 3, 9))  # from Saturday
        self.assertEqual(add_business_days(date(2026, 3, 8), 1), date(2026, 3, 9))  # from Sunday
        self.assertEqual(add_business_days(date(2026, 3, 2), 4), friday)  # Monday + 4

    def test_zero_days_is_the_start_even_on_a_weekend(self):
        saturday = date(2026, 3, 7)
        self.assertEqual(add_business_days(saturday, 0), saturday)

    def test_it_skips_holidays(self):
        wednesday = date(2025, 11, 26)
        self.assertEqual(add_business_days(wednesday, 1), THANKSGIVING_2025)
        self.assertEqual(add_business_days(wednesday, 1, HOLIDAYS), date(2025, 11, 28))

    def test_a_holiday_on_a_weekend_costs_nothing(self):
        thursday = date(2026, 7, 2)
        saturday_holiday = [date(2026, 7, 4)]
        self.assertEqual(add_business_days(thursday, 2, saturday_holiday), date(2026, 7, 6))
        self.assertEqual(business_days_between(thursday, date(2026, 7, 6), saturday_holiday), 2)

    def test_five_business_days_over_thanksgiving(self):
        # Wed 26 Nov 2025 -> Fri 28 (1), Mon 1 Dec (2), Tue 2 (3), Wed 3 (4), Thu 4 (5).
        start = date(2025, 11, 26)
        self.assertEqual(add_business_days(start, 5, HOLIDAYS), date(2025, 12, 4))
        self.assertEqual(add_business_days(start, 5), date(2025, 12, 3))

    def test_thirty_business_days_over_christmas_and_new_year(self):
        # Mon 1 Dec 2025 -> Dec 2-5 (4), 8-12 (9), 15-19 (14), 22-24 (17), [25 closed],
        # 26 (18), 29-31 (21), [1 Jan closed], 2 Jan (22), 5-9 (27), 12-14 Jan (30).
        start = date(2025, 12, 1)
        self.assertEqual(add_business_days(start, 30, HOLIDAYS), date(2026, 1, 14))
        self.assertEqual(business_days_between(start, date(2026, 1, 14), HOLIDAYS), 30)

    def test_it_accepts_holidays_as_a_generator(self):
        start = date(2025, 12, 1)
        self.assertEqual(add_business_days(start, 30, iter(HOLIDAYS)), date(2026, 1, 14))
        self.assertEqual(business_days_between(start, date(2026, 1, 14), iter(HOLIDAYS)), 30)

    def test_it_refuses_negative_days(self):
        with self.assertRaises(ValueError):
            add_business_days(date(2026, 3, 6), -1)

    def test_between_counts_after_start_up_to_and_including_end(self):
        friday, monday = date(2026, 3, 6), date(2026, 3, 9)
        self.assertEqual(business_days_between(friday, monday), 1)
        self.assertEqual(business_days_between(friday, date(2026, 3, 8)), 0)  # to Sunday
        self.assertEqual(business_days_between(friday, friday), 0)
        self.assertEqual(business_days_between(monday, friday), 0)  # end before start
        # 2026 is 52 whole weeks plus Thursday 31 December: 52 * 5 + 1 weekdays.
        self.assertEqual(business_days_between(date(2025, 12, 31), date(2026, 12, 31)), 261)

    def test_between_undoes_add(self):
        first = date(2025, 11, 20)
        for offset in range(21):  # every weekday, weekend day and holiday as a start
            start = first + timedelta(days=offset)
            for days in range(45):
                due = add_business_days(start, days, HOLIDAYS)
                self.assertEqual(business_days_between(start, due, HOLIDAYS), days, (start, days))
