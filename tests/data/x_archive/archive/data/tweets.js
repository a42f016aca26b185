window.YTD.tweets.part0 = [
  {
    "tweet" : {
      "edit_info" : {
        "initial" : {
          "editTweetIds" : [
            "1657435576369332300"
          ],
          "editableUntil" : "2023-05-13T17:50:09.000Z",
          "editsRemaining" : "5",
          "isEditEligible" : true
        }
      },
      "retweeted" : false,
      "source" : "<a href=\"https://mobile.twitter.com\" rel=\"nofollow\">Twitter Web App</a>",
      "entities" : {
        "hashtags" : [],
        "symbols" : [],
        "user_mentions" : [
          {
            "name" : "Zoë",
            "screen_name" : "zoe_nunez",
            "indices" : [
              "0",
              "10"
            ],
            "id_str" : "555",
            "id" : "555"
          }
        ],
        "urls" : []
      },
      "display_text_range" : [
        "0",
        "55"
      ],
      "favorite_count" : "0",
      "id_str" : "1657435576369332300",
      "truncated" : false,
      "retweet_count" : "0",
      "id" : "1657435576369332300",
      "created_at" : "Sat May 13 17:40:09 +0000 2023",
      "favorited" : false,
      "full_text" : "@zoe_nunez Sorry, Zoë! We’re on it 🙏 &amp; will DM you.",
      "lang" : "en",
      "in_reply_to_status_id_str" : "1657435576369332200",
      "in_reply_to_status_id" : "1657435576369332200",
      "in_reply_to_user_id" : "555",
      "in_reply_to_user_id_str" : "555",
      "in_reply_to_screen_name" : "zoe_nunez"
    }
  },
  {
    "tweet" : {
      "edit_info" : {
        "initial" : {
          "editTweetIds" : [
            "1657435576369332225"
          ],
          "editableUntil" : "2023-05-13T17:50:09.000Z",
          "editsRemaining" : "5",
          "isEditEligible" : true
        }
      },
      "retweeted" : false,
      "source" : "<a href=\"https://mobile.twitter.com\" rel=\"nofollow\">Twitter Web App</a>",
      "entities" : {
        "hashtags" : [],
        "symbols" : [],
        "user_mentions" : [],
        "urls" : []
      },
      "display_text_range" : [
        "0",
        "52"
      ],
      "favorite_count" : "4",
      "id_str" : "1657435576369332225",
      "truncated" : false,
      "retweet_count" : "2",
      "id" : "1657435576369332225",
      "created_at" : "Sat May 13 17:20:09 +0000 2023",
      "favorited" : false,
      "full_text" : "Delivery delays this week: we’re sorry. Thread 🧵 1/2",
      "lang" : "en"
    }
  },
  {
    "tweet" : {
      "edit_info" : {
        "initial" : {
          "editTweetIds" : [
            "1657435576369332226"
          ],
          "editableUntil" : "2023-05-13T17:50:09.000Z",
          "editsRemaining" : "5",
          "isEditEligible" : true
        }
      },
      "retweeted" : false,
      "source" : "<a href=\"https://mobile.twitter.com\" rel=\"nofollow\">Twitter Web App</a>",
      "entities" : {
        "hashtags" : [],
        "symbols" : [],
        "user_mentions" : [],
        "urls" : []
      },
      "display_text_range" : [
        "0",
        "45"
      ],
      "favorite_count" : "0",
      "id_str" : "1657435576369332226",
      "truncated" : false,
      "retweet_count" : "0",
      "id" : "1657435576369332226",
      "created_at" : "Sat May 13 17:21:09 +0000 2023",
      "favorited" : false,
      "full_text" : "2/2 Orders to Zürich and תל אביב ship Monday.",
      "lang" : "en",
      "in_reply_to_status_id_str" : "1657435576369332225",
      "in_reply_to_status_id" : "1657435576369332225",
      "in_reply_to_user_id" : "777",
      "in_reply_to_user_id_str" : "777",
      "in_reply_to_screen_name" : "AcmeHelp"
    }
  },
  {
    "tweet" : {
      "edit_info" : {
        "initial" : {
          "editTweetIds" : [
            "1657435576369332227"
          ],
          "editableUntil" : "2023-05-13T17:50:09.000Z",
          "editsRemaining" : "5",
          "isEditEligible" : true
        }
      },
      "retweeted" : false,
      "source" : "<a href=\"https://mobile.twitter.com\" rel=\"nofollow\">Twitter Web App</a>",
      "entities" : {
        "hashtags" : [],
        "symbols" : [],
        "user_mentions" : [],
        "urls" : []
      },
      "display_text_range" : [
        "0",
        "38"
      ],
      "favorite_count" : "0",
      "id_str" : "1657435576369332227",
      "truncated" : false,
      "retweet_count" : "0",
      "id" : "1657435576369332227",
      "created_at" : "Sat May 13 18:00:00 +0000 2023",
      "favorited" : false,
      "full_text" : "RT @zoe_nunez: six weeks and no sofa 😡",
      "lang" : "en"
    }
  },
  {
    "tweet" : {
      "edit_info" : {
        "initial" : {
          "editTweetIds" : [
            "1657435576369332228"
          ],
          "editableUntil" : "2023-05-13T17:50:09.000Z",
          "editsRemaining" : "5",
          "isEditEligible" : true
        }
      },
      "retweeted" : false,
      "source" : "<a href=\"https://mobile.twitter.com\" rel=\"nofollow\">Twitter Web App</a>",
      "entities" : {
        "hashtags" : [],
        "symbols" : [],
        "user_mentions" : [],
        "urls" : [
          {
            "url" : "https://t.co/AbCdEf1234",
            "expanded_url" : "https://twitter.com/zoe_nunez/status/1657435576369332201",
            "display_url" : "twitter.com/zoe_nunez/sta…",
            "indices" : [
              "41",
              "64"
            ]
          }
        ]
      },
      "display_text_range" : [
        "0",
        "63"
      ],
      "favorite_count" : "0",
      "id_str" : "1657435576369332228",
      "truncated" : false,
      "retweet_count" : "0",
      "id" : "1657435576369332228",
      "created_at" : "Sat May 13 18:05:00 +0000 2023",
      "favorited" : false,
      "full_text" : "This is exactly what we mean by “on it” https://t.co/AbCdEf1234",
      "lang" : "en"
    }
  },
  {
    "tweet" : {
      "edit_info" : {
        "initial" : {
          "editTweetIds" : [
            "1657435576369332229"
          ],
          "editableUntil" : "2023-05-13T17:50:09.000Z",
          "editsRemaining" : "5",
          "isEditEligible" : true
        }
      },
      "retweeted" : false,
      "source" : "<a href=\"https://mobile.twitter.com\" rel=\"nofollow\">Twitter Web App</a>",
      "entities" : {
        "hashtags" : [],
        "symbols" : [],
        "user_mentions" : [],
        "urls" : []
      },
      "display_text_range" : [
        "0",
        "293"
      ],
      "favorite_count" : "0",
      "id_str" : "1657435576369332229",
      "truncated" : false,
      "retweet_count" : "0",
      "id" : "1657435576369332229",
      "created_at" : "Sat May 13 19:00:00 +0000 2023",
      "favorited" : false,
      "full_text" : "A long update on the delivery backlog, with every region listed and what we are doing about each one, so nobody has to ask twice. Short version: we hired more drivers, we added Saturday slots, and everyone waiting more than four weeks gets a refund of the delivery fee… https://t.co/NoTe123456",
      "lang" : "en"
    }
  }
]